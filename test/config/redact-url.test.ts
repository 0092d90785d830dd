import { describe, expect, test } from '@jest/globals';
import { createRedactor } from '../../lib/config/redact.js';

describe('secrets in URL query strings', () => {
  test('a webhook URL with a token in its query string is starred out, with or without configured secrets', () => {
    for (const redact of [createRedactor([]), createRedactor(['some-other-secret'])]) {
      expect(redact('POST https://hooks.example.com/notify?token=abc123&room=7 failed')).toBe('POST https://hooks.example.com/notify?token=***&room=7 failed');
      expect(redact('https://x.example/h?id=9&t=Zx81kq0PlmQ2vB7sWn4R')).toBe('https://x.example/h?id=9&t=***');
      expect(redact('see https://wandb.ai/me/runs/1?workspace=user&format=json')).toBe('see https://wandb.ai/me/runs/1?workspace=user&format=json');
    }
  });
});
