import { closestWord, unknownKeyMessage } from '../../lib/config/suggest.js';

describe('did you mean', () => {
  test('typos within one or two edits (a swapped pair is one) find the known word', () => {
    expect(closestWord('hedaers', ['url', 'headers', 'format'])).toBe('headers');
    expect(closestWord('fromat', ['url', 'headers', 'format'])).toBe('format');
    expect(closestWord('ulr', ['url', 'api_key'])).toBe('url');
    expect(closestWord('notifications', ['notification', 'report', 'train'])).toBe('notification');
    expect(closestWord('Language', ['language'])).toBe('language');
  });

  test('nothing close, or the word itself, suggests nothing', () => {
    expect(closestWord('epochs', ['notification', 'report', 'train'])).toBeUndefined();
    expect(closestWord('ab', ['xy'])).toBeUndefined();
    expect(closestWord('url', ['url'])).toBeUndefined();
  });

  test('the warning names the key, the suggestion and the known keys', () => {
    expect(unknownKeyMessage('report.lang', 'lang', ['language'])).toBe(
      'report.lang is not a known setting and is ignored (known: language)',
    );
    expect(unknownKeyMessage('x.ulr', 'ulr', ['url'])).toBe(
      "x.ulr is not a known setting and is ignored: did you mean 'url'? (known: url)",
    );
  });
});
