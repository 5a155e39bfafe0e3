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

  // The first token request and the early conversation come from the inline early-chat.js.
  var pageApi = window.TrialGuidePage;
  var earlyConversation = pageApi.early;

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

  function createDirectLine(token, webChatLocale) {
    var options = {
      token: token.token,
      // Sent with "start conversation", so the bot greets in the page's language.
      conversationStartProperties: { locale: webChatLocale },
    };
    if (token.provider !== 'azure') options.domain = new URL(config.directLinePath, document.baseURI).href.replace(/\/+$/, '');
    return window.WebChat.createDirectLine(options);
  }

  /** Web Chat resumes the conversation early-chat.js started (and replays its greeting from the start). */
  function resumeDirectLine(session) {
    return window.WebChat.createDirectLine({ token: session.token, conversationId: session.conversationId, domain: session.domain });
  }

  /** The early conversation, once and only for the language it was started in; otherwise a new token. */
  function takeConnection(locale) {
    var early = earlyConversation;
    earlyConversation = null;
    if (early && locale === pageApi.initialLocale) {
      return early.then(
        function (session) {
          return session.conversationId ? { resume: session } : { token: session.issued };
        },
        function () {
          return pageApi.requestToken().then(function (token) { return { token: token }; });
        },
      );
    }
    return pageApi.requestToken().then(function (token) { return { token: token }; });
  }

  function removePreview() {
    var preview = document.getElementById('early-transcript');
    if (preview) preview.remove();
  }

  /** Starts a new conversation in `locale`; a running one is ended (its user id and history stay with it). */
  function startChat(locale, announce) {
    var strings = config.strings[locale];
    var webChatLocale = config.webChatLocales[locale];
    setStatus(strings.connecting);
    if (current) {
      if (current.directLine) current.directLine.end();
      current.element.remove();
      current = null;
    }
    var element = document.createElement('div');
    element.className = 'webchat-root';
    host.appendChild(element);
    var started = { directLine: null, store: null, element: element, connected: false };
    current = started;

    return takeConnection(locale)
      .then(function (connection) {
        if (current !== started) return;
        started.directLine = connection.resume ? resumeDirectLine(connection.resume) : createDirectLine(connection.token, webChatLocale);
        started.store = window.WebChat.createStore({}, function () {
          return function (next) {
            return function (action) {
              if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
                started.connected = true;
                setStatus(announce ? strings.languageChanged : '');
              }
              if (action.type === 'DIRECT_LINE/CONNECT_REJECTED') setStatus(strings.connectionFailed);
              // Web Chat now shows the conversation itself, the greeting included.
              if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') removePreview();
              return next(action);
            };
          };
        });
        render(started, locale);
      })
      .catch(function (error) {
        if (current !== started) return;
        setStatus(error && error.busy ? strings.busy : strings.connectionFailed);
      });
  }

  /** (Re-)renders Web Chat into the chat's element: the same store keeps the transcript across languages. */
  function render(chat, locale) {
    window.WebChat.renderWebChat(
      {
        directLine: chat.directLine,
        store: chat.store,
        locale: config.webChatLocales[locale],
        nonce: nonce,
        styleOptions: styleOptions(),
        overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: config.strings[locale].sendBoxPlaceholder },
      },
      chat.element,
    );
  }

  /**
   * A new language mid-conversation: the bot is told in the conversation itself (the option's name, e.g. 繁體中文,
   * is one of its language commands), so a pre-check in progress continues in the new language.
   */
  function switchLanguage(locale, label) {
    if (!current || !current.connected) return startChat(locale, true);
    render(current, locale);
    // The bot answers in the new language itself ("I'll speak English from now on"): no status line needed.
    current.store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE', payload: { text: label } });
    setStatus('');
    return Promise.resolve();
  }

  /**
   * Room for the chat on a small phone: the privacy notice starts folded (one tap opens it), and while the
   * on-screen keyboard takes the lower half only the emergency line stays above the chat.
   */
  function fitSmallScreens() {
    var notice = document.getElementById('privacy-notice');
    if (notice && window.matchMedia('(max-height: 760px), (max-width: 30rem)').matches) notice.open = false;
    var viewport = window.visualViewport;
    if (!viewport) return;
    var fullHeight = window.innerHeight;
    viewport.addEventListener('resize', function () {
      fullHeight = Math.max(fullHeight, window.innerHeight);
      document.body.classList.toggle('keyboard-open', viewport.height < fullHeight * 0.75);
    });
  }

  fitSmallScreens();
  var initial = pageApi.initialLocale;
  applyStrings(initial);
  picker.addEventListener('change', function () {
    // The picker's values are the shipped locales themselves.
    var chosen = config.webChatLocales[picker.value] ? picker.value : config.locale;
    var label = picker.options[picker.selectedIndex] ? picker.options[picker.selectedIndex].textContent : chosen;
    removePreview();
    applyStrings(chosen);
    void switchLanguage(chosen, label);
  });
  void startChat(initial, false);
})();
