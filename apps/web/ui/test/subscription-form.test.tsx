import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api';
import { emptyForm } from '../src/forms';
import type { Subscription } from '../src/types';
import { SubscriptionFormView } from '../src/views/subscription-form';
import { byLabel, click, errorNextTo, render, type } from './render';

const catalog = { data: [{ type: 'order.paid', description: 'an order was paid' }], next_cursor: null };

function submitButton(container: HTMLElement, name: string): HTMLButtonElement {
  const button = [...container.querySelectorAll('button')].find((b) => b.textContent === name);
  if (!button) throw new Error(`no button ${name}`);
  return button;
}

describe('<SubscriptionFormView>', () => {
  it('offers the catalog and shows the API error next to the field it names', async () => {
    const post = vi.fn().mockRejectedValue(
      new ApiError(400, 'validation_failed', 'invalid', [
        { field: 'url', message: 'must use http or https' },
        { field: 'rateLimit', message: 'must be at most 10000' },
      ]),
    );
    const onSaved = vi.fn();
    const c = await render(
      <SubscriptionFormView noun="endpoint" initial={emptyForm()} tenantField={false} onSaved={onSaved} />,
      {
        get: vi.fn().mockResolvedValue(catalog) as never,
        post: post as never,
      },
    );
    await type(byLabel(c, 'Endpoint URL'), 'ftp://example.com/hook');
    await click(byLabel(c, 'order.paid'));
    await type(byLabel(c, 'Rate limit'), '20000');
    await click(submitButton(c, 'Create endpoint'));

    expect(post).toHaveBeenCalledWith('/subscription', {
      url: 'ftp://example.com/hook',
      eventTypes: ['order.paid'],
      enabled: true,
      rateLimit: 20000,
    });
    expect(errorNextTo(byLabel(c, 'Endpoint URL'))).toBe('must use http or https');
    expect(errorNextTo(byLabel(c, 'Rate limit'))).toBe('must be at most 10000');
    expect(byLabel(c, 'Endpoint URL').getAttribute('aria-invalid')).toBe('true');
    expect(errorNextTo(byLabel(c, 'Description'))).toBeNull();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('a local mistake never reaches the API; a fixed form saves', async () => {
    const saved = { id: 'sub_1' } as Subscription;
    const post = vi.fn().mockResolvedValue(saved);
    const onSaved = vi.fn();
    const c = await render(
      <SubscriptionFormView noun="subscription" initial={emptyForm()} tenantField onSaved={onSaved} />,
      { get: vi.fn().mockResolvedValue(catalog) as never, post: post as never },
    );
    await type(byLabel(c, 'Endpoint URL'), 'https://example.com/hook');
    await click(byLabel(c, '* (every event)'));
    await type(byLabel<HTMLTextAreaElement>(c, 'Metadata'), 'oops');
    await click(submitButton(c, 'Create subscription'));
    expect(post).not.toHaveBeenCalled();
    expect(errorNextTo(byLabel(c, 'Metadata'))).toBe('line 1: expected key=value');

    await type(byLabel<HTMLTextAreaElement>(c, 'Metadata'), 'team=ops');
    await type(byLabel(c, 'Tenant'), 'acme');
    await click(submitButton(c, 'Create subscription'));
    expect(post).toHaveBeenCalledWith('/subscription', {
      url: 'https://example.com/hook',
      eventTypes: ['*'],
      enabled: true,
      metadata: { team: 'ops' },
      tenant: 'acme',
    });
    expect(onSaved).toHaveBeenCalledWith(saved);
  });
});
