// The escaping helper and the README sanitizer: the two things between package data and a page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, SafeHtml, trustedHtml, safeHttpUrl } from '../../src/web/html.js';
import { renderMarkdown, sanitizeReadmeHtml } from '../../src/web/markdown.js';

test('interpolations escape < > & " and \'', () => {
  const value = `<script>alert("x")</script> & 'quoted'`;
  assert.equal(
    html`<p title="${value}">${value}</p>`.toString(),
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</p>',
  );
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});

test('the literal parts of the template are kept as written', () => {
  assert.equal(html`<a href="/x">${'y'}</a>`.toString(), '<a href="/x">y</a>');
});

test('nested arrays are escaped at every depth', () => {
  const evil = ['<b>', ['<i>', ['<script>', [`"'&`]]]] as const;
  assert.equal(html`${evil}`.toString(), '&lt;b&gt;&lt;i&gt;&lt;script&gt;&quot;&#39;&amp;');
  const items = ['<img src=x onerror=alert(1)>', 'ok'].map((s) => html`<li>${s}</li>`);
  assert.equal(html`<ul>${items}</ul>`.toString(), '<ul><li>&lt;img src=x onerror=alert(1)&gt;</li><li>ok</li></ul>');
});

test('only real SafeHtml is kept unescaped: look-alike objects and toString tricks are escaped', () => {
  const inner = html`<em>${'<x>'}</em>`;
  assert.equal(html`<p>${inner}</p>`.toString(), '<p><em>&lt;x&gt;</em></p>');
  const forged = { toString: () => '<script>bad()</script>' };
  assert.equal(html`${forged as unknown as string}`.toString(), '&lt;script&gt;bad()&lt;/script&gt;');
  const shaped = Object.create(SafeHtml.prototype, { toString: { value: () => '<script>bad()</script>' } });
  assert.equal(SafeHtml.is(shaped), false);
  assert.equal(html`${shaped}`.toString(), '&lt;script&gt;bad()&lt;/script&gt;');
  assert.throws(() => new SafeHtml('<b>', Symbol('SafeHtml') as never), TypeError);
  assert.equal(html`${trustedHtml('<b>ok</b>')}`.toString(), '<b>ok</b>');
});

test('null, undefined and false render as nothing; numbers and true as text', () => {
  assert.equal(html`[${null}${undefined}${false}${0}${true}]`.toString(), '[0true]');
});

test('safeHttpUrl keeps http(s) URLs only', () => {
  assert.equal(safeHttpUrl('https://example.com/x'), 'https://example.com/x');
  assert.equal(safeHttpUrl('javascript:alert(1)'), null);
  assert.equal(safeHttpUrl('data:text/html,hi'), null);
  assert.equal(safeHttpUrl(42), null);
});

test('the README sanitizer strips scripts, event handlers, styles and javascript: links', () => {
  const out = renderMarkdown(
    [
      '# Title',
      '',
      '<script>alert(1)</script>',
      '',
      '<img src="https://img.example/a.png" onerror="alert(2)" style="position:fixed">',
      '',
      '[click](javascript:alert(3)) [data](data:text/html,<b>x</b>) <a href="JaVaScRiPt:alert(4)">raw</a>',
      '',
      '<iframe src="https://evil.example"></iframe><form action="/account/logout"><button>x</button></form>',
      '',
      '<p style="color:red" class="x" id="login" onclick="alert(5)">styled</p>',
    ].join('\n'),
  ).toString();
  assert.match(out, /<h1>Title<\/h1>/);
  assert.doesNotMatch(out, /<script|alert\(1\)/i);
  assert.doesNotMatch(out, /onerror|onclick/i);
  assert.doesNotMatch(out, /javascript:/i);
  assert.doesNotMatch(out, /data:text/i);
  assert.doesNotMatch(out, /style=|class=|id=/i);
  assert.doesNotMatch(out, /<iframe|<form|<button/i);
  assert.match(out, /<img src="https:\/\/img\.example\/a\.png" \/?>/);
  assert.match(out, /<p>styled<\/p>/);
});

test('links get rel="nofollow noopener noreferrer", whatever rel they had', () => {
  const out = sanitizeReadmeHtml('<a href="https://example.com" rel="opener" target="_blank">x</a><a href="/relative">y</a>');
  assert.equal(out, '<a href="https://example.com" rel="nofollow noopener noreferrer">x</a><a href="/relative" rel="nofollow noopener noreferrer">y</a>');
});

test('images load only over https or from this site', () => {
  const out = sanitizeReadmeHtml('<img src="http://plain.example/a.png"><img src="data:image/png;base64,AAAA"><img src="//proto.example/a.png"><img src="/local.png"><img src="https://ok.example/b.png">');
  assert.doesNotMatch(out, /plain\.example|data:|proto\.example/);
  assert.match(out, /src="\/local\.png"/);
  assert.match(out, /src="https:\/\/ok\.example\/b\.png"/);
});
