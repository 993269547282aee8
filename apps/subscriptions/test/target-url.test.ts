import { privateTargetReason } from '../src/target-url';

const check = (url: string, allow = false) => privateTargetReason(new URL(url), allow);

describe('privateTargetReason', () => {
  it.each([
    'http://127.0.0.1/',
    'http://127.9.9.9:8080/x',
    'http://2130706433/', // 127.0.0.1 as one number
    'http://0x7f.1/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fd12:3456::1]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://localhost:3000/',
    'http://LOCALHOST./',
    'http://api.localhost/',
  ])('refuses %s', (url) => {
    expect(check(url)).toMatch(/ALLOW_PRIVATE_TARGETS/);
  });

  it.each([
    'https://example.com/webhook',
    'http://8.8.8.8/',
    'http://172.32.0.1/',
    'http://100.128.0.1/',
    'http://[2001:db8::1]/',
    'http://localhost.example.com/',
  ])('accepts %s', (url) => {
    expect(check(url)).toBeNull();
  });

  it('accepts everything when private targets are allowed', () => {
    expect(check('http://127.0.0.1/', true)).toBeNull();
    expect(check('http://localhost/', true)).toBeNull();
  });
});
