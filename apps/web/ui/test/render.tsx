import { act, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Api } from '../src/api';
import { ApiContext } from '../src/hooks';

// React warns (and skips work) unless the environment declares that tests wrap updates in act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** Renders into a fresh container in the document; `api` answers what the component asks. */
export async function render(ui: ReactNode, api?: Partial<Api>): Promise<HTMLElement> {
  const container = document.createElement('div');
  document.body.replaceChildren(container);
  const root = createRoot(container);
  await act(async () => {
    root.render(api ? <ApiContext.Provider value={api as Api}>{ui}</ApiContext.Provider> : ui);
  });
  return container;
}

/** The control a <label> names (by its text), as a user finds it. */
export function byLabel<T extends HTMLElement = HTMLInputElement>(container: HTMLElement, text: string): T {
  const label = [...container.querySelectorAll('label')].find((l) => l.textContent?.trim().startsWith(text));
  if (!label) throw new Error(`no label "${text}"`);
  const control = label.htmlFor
    ? container.querySelector(`#${CSS.escape(label.htmlFor)}`)
    : label.querySelector('input');
  if (!control) throw new Error(`label "${text}" names no control`);
  return control as T;
}

/** Types a value as a user would: React listens to the native input event, not to `value =`. */
export async function type(control: HTMLInputElement | HTMLTextAreaElement, value: string): Promise<void> {
  const proto = Object.getPrototypeOf(control) as object;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  await act(async () => {
    setter?.call(control, value);
    control.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

export async function click(element: HTMLElement): Promise<void> {
  await act(async () => {
    element.click();
  });
}

/** The error shown in the same field as this control (what the user reads next to it). */
export function errorNextTo(control: HTMLElement): string | null {
  return control.closest('.field')?.querySelector('.field-error')?.textContent ?? null;
}
