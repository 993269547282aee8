import { createRoot } from 'react-dom/client';
import '../src/styles.css';

createRoot(document.getElementById('root')!).render(<h1>Hookline dashboard</h1>);
