// The chat page's own script: picks the language, fetches a Direct Line token from our server (the secret
// never reaches the browser) and renders Web Chat. Plain ES2017 so it runs as served, with no build step.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('trialguide-config').textContent);
  // The response's CSP nonce: Web Chat puts it on the <style> elements it creates.
  var nonce = document.currentScript ? document.currentScript.nonce : undefined;
  var picker = document.getElementById('language-picker');
  var statusLine = document.getElementById('chat-status');
  var host = document.getElementById('webchat');
  var current = null;

  /** The same mapping as negotiateLocale in src/i18n/locales.ts (tests/browser/web-chat.test.ts compares them). */
  function negotiateLocale(tag) {
    if (!tag) return undefined;
    var parts = String(tag).trim().replace(/_/g, '-').toLowerCase().split('-');
    var language = parts[0];
    var rest = parts.slice(1);
    if (language === 'en') return 'en';
    if (language === 'zh' || language === 'yue' || language === 'cmn') {
      if (rest.indexOf('hant') >= 0 || rest.some(function (part) { return ['tw', 'hk', 'mo'].indexOf(part) >= 0; })) return 'zh-Hant';
      if (language === 'yue') return 'zh-Hant';
      return 'zh-Hans';
    }
    return undefined;
  }

  function browserLocale() {
    var tags = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]) || [];
    for (var i = 0; i < tags.length; i += 1) {
      var locale = negotiateLocale(tags[i]);
      if (locale) return locale;
    }
    return undefined;
  }

  function setStatus(text) {
    statusLine.textContent = text || '';
    statusLine.hidden = !text;
  }

  /** Page text in `locale`: everything was rendered by the server from locales/<locale>/channels.json. */
  function applyStrings(locale) {
    var strings = config.strings[locale];
    document.documentElement.lang = locale;
    document.title = strings.pageTitle + ' · ' + strings.siteName;
    Array.prototype.forEach.call(document.querySelectorAll('[data-text]'), function (element) {
      element.textContent = strings[element.getAttribute('data-text')];
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-label]'), function (element) {
      element.setAttribute('aria-label', strings[element.getAttribute('data-label')]);
    });
    picker.value = locale;
  }

  function styleOptions() {
    var theme = config.theme;
    return {
      accent: theme.primary,
      primaryFont: 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif',
      fontSizeSmall: '85%',
      subtle: '#595959',
      timestampColor: '#595959',
      bubbleBackground: '#eef2f6',
      bubbleBorderRadius: 12,
      bubbleFromUserBackground: theme.primary,
      bubbleFromUserTextColor: theme.onPrimary,
      bubbleFromUserBorderRadius: 12,
      bubbleMinHeight: 44,
      paddingRegular: 10,
      hideUploadButton: true,
      sendBoxHeight: 56,
      sendBoxButtonColor: theme.primary,
      sendBoxTextWrap: true,
      suggestedActionLayout: 'flow',
      suggestedActionHeight: 44,
      suggestedActionBorderRadius: 8,
      suggestedActionBorderColor: theme.primary,
      suggestedActionTextColor: theme.primary,
      suggestedActionBackgroundColorOnHover: '#e6eef5',
      transcriptVisualKeyboardIndicatorColor: theme.primary,
    };
  }

  function requestToken() {
    return fetch(new URL(config.tokenUrl, document.baseURI).href, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      credentials: 'omit',
    }).then(function (response) {
      if (response.status === 429) throw Object.assign(new Error('rate limited'), { busy: true });
      if (!response.ok) throw new Error('token request failed: ' + response.status);
      return response.json();
    });
  }

  function createDirectLine(token, webChatLocale) {
    var options = {
      token: token.token,
      // Sent with "start conversation", so the bot greets in the page's language.
      conversationStartProperties: { locale: webChatLocale },
    };
    if (token.provider !== 'azure') options.domain = new URL(config.directLinePath, document.baseURI).href.replace(/\/+$/, '');
    return window.WebChat.createDirectLine(options);
  }

  /** Starts a new conversation in `locale`; a running one is ended (its user id and history stay with it). */
  function startChat(locale, announce) {
    var strings = config.strings[locale];
    var webChatLocale = config.webChatLocales[locale];
    setStatus(strings.connecting);
    if (current) {
      current.directLine.end();
      current.element.remove();
      current = null;
    }
    var element = document.createElement('div');
    element.className = 'webchat-root';
    host.appendChild(element);
    var started = { directLine: null, element: element };
    current = started;

    return requestToken()
      .then(function (token) {
        if (current !== started) return;
        started.directLine = createDirectLine(token, webChatLocale);
        var store = window.WebChat.createStore({}, function () {
          return function (next) {
            return function (action) {
              if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') setStatus(announce ? strings.languageChanged : '');
              if (action.type === 'DIRECT_LINE/CONNECT_REJECTED') setStatus(strings.connectionFailed);
              return next(action);
            };
          };
        });
        window.WebChat.renderWebChat(
          {
            directLine: started.directLine,
            store: store,
            locale: webChatLocale,
            nonce: nonce,
            styleOptions: styleOptions(),
            overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: strings.sendBoxPlaceholder },
          },
          element,
        );
      })
      .catch(function (error) {
        if (current !== started) return;
        setStatus(error && error.busy ? strings.busy : strings.connectionFailed);
      });
  }

  var initial = config.explicitLocale ? config.locale : browserLocale() || config.locale;
  applyStrings(initial);
  picker.addEventListener('change', function () {
    var chosen = negotiateLocale(picker.value) || config.locale;
    applyStrings(chosen);
    void startChat(chosen, true);
  });
  void startChat(initial, false);

  // For the browser test: the page's locale mapping, compared with the server's.
  window.TrialGuidePage = { negotiateLocale: negotiateLocale };
})();
