// TrialGuide chat button for a hospital's own pages:
//   <script src="https://CHAT-HOST/embed.js" async data-lang="zh-Hans"></script>
// adds a floating button that opens the chat page in a panel. data-lang is optional (default: the page's
// <html lang>, then the browser's language). The server fills in the strings below from locales/*/channels.json.
(function () {
  'use strict';

  var config = /*@@TRIALGUIDE_EMBED_CONFIG@@*/ null;
  var script = document.currentScript;
  if (!config || !script || document.getElementById('trialguide-chat-button')) return;

  /** negotiateLocale from src/i18n/locales.ts, its source filled in by the server: one mapping everywhere. */
  var negotiateLocale = /*@@TRIALGUIDE_NEGOTIATE_LOCALE@@*/ null;

  var locale = negotiateLocale(script.getAttribute('data-lang')) || negotiateLocale(document.documentElement.lang) || negotiateLocale(navigator.language) || 'en';
  var strings = config.strings[locale];
  var pageUrl = new URL('./?lang=' + encodeURIComponent(locale), script.src).href;
  var panel = null;

  // Styles go through the CSSOM (element.style), which the host page's own CSP does not block.
  function css(element, rules) {
    Object.keys(rules).forEach(function (name) { element.style.setProperty(name, rules[name]); });
  }

  var button = document.createElement('button');
  button.id = 'trialguide-chat-button';
  button.type = 'button';
  button.textContent = strings.open;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('lang', locale);
  css(button, {
    position: 'fixed', right: '16px', bottom: '16px', 'z-index': '2147483000',
    'min-height': '48px', padding: '12px 20px', border: '0', 'border-radius': '24px',
    background: config.theme.primary, color: config.theme.onPrimary,
    font: '600 17px/1.3 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif',
    'box-shadow': '0 2px 8px rgba(0,0,0,0.3)', cursor: 'pointer', 'max-width': 'calc(100vw - 32px)',
  });

  function open() {
    if (!panel) {
      panel = document.createElement('div');
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-label', strings.title);
      panel.setAttribute('lang', locale);
      css(panel, {
        position: 'fixed', right: '16px', bottom: '80px', 'z-index': '2147483001',
        width: 'min(420px, calc(100vw - 32px))', height: 'min(680px, calc(100vh - 112px))',
        display: 'flex', 'flex-direction': 'column', background: '#ffffff',
        'border-radius': '12px', overflow: 'hidden', 'box-shadow': '0 4px 24px rgba(0,0,0,0.35)',
      });
      var close = document.createElement('button');
      close.type = 'button';
      close.textContent = '×';
      close.setAttribute('aria-label', strings.close);
      css(close, {
        'align-self': 'flex-end', 'min-width': '44px', 'min-height': '44px', border: '0',
        background: config.theme.primary, color: config.theme.onPrimary, font: '700 24px/1 sans-serif', cursor: 'pointer',
      });
      close.addEventListener('click', hide);
      var frame = document.createElement('iframe');
      frame.src = pageUrl;
      frame.title = strings.title;
      frame.setAttribute('allow', 'clipboard-write');
      css(frame, { flex: '1', width: '100%', border: '0' });
      panel.appendChild(close);
      panel.appendChild(frame);
      panel.addEventListener('keydown', function (event) { if (event.key === 'Escape') hide(); });
      document.body.appendChild(panel);
    }
    panel.style.setProperty('display', 'flex');
    button.setAttribute('aria-expanded', 'true');
    panel.querySelector('iframe').focus();
  }

  function hide() {
    if (!panel) return;
    panel.style.setProperty('display', 'none');
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  button.addEventListener('click', function () {
    if (panel && panel.style.getPropertyValue('display') !== 'none') hide();
    else open();
  });

  function mount() { document.body.appendChild(button); }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
