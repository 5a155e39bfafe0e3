// Inlined into the chat page's <head> (with the response's nonce) and run before anything is downloaded: on a slow
// phone network Web Chat's bundle takes seconds to arrive, so this starts the conversation at once (token, Direct
// Line "start conversation", the bot's greeting) and shows the bot's first messages as plain text. When Web Chat
// has loaded, assets/chat.js hands it the same conversation and removes this preview. Plain ES2017, no build step.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('trialguide-config').textContent);

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

  function directLineDomain() {
    return new URL(config.directLinePath, document.baseURI).href.replace(/\/+$/, '');
  }

  function callDirectLine(method, path, token, body) {
    return fetch(directLineDomain() + path, {
      method: method,
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    }).then(function (response) {
      if (!response.ok) throw new Error('direct line ' + method + ' ' + path + ': ' + response.status);
      return response.json();
    });
  }

  /**
   * Our own Direct Line runs the greeting turn before it answers "start conversation" and, asked to, sends the
   * greeting with the answer. (Azure's greets later: there, Web Chat starts the conversation itself.)
   */
  function startEarly(locale) {
    // The page usually carries a fresh token (no-store): one round trip less than asking for one.
    var token = config.token ? Promise.resolve(config.token) : requestToken();
    return token.then(function (issued) {
      if (issued.provider !== 'self-hosted') return { issued: issued };
      // ?include=activities: our Direct Line answers with the greeting too (one round trip less).
      return callDirectLine('POST', '/conversations?include=activities', issued.token, { locale: config.webChatLocales[locale] }).then(function (started) {
        var session = { issued: issued, conversationId: started.conversationId, token: started.token || issued.token, domain: directLineDomain() };
        session.greeting = (started.activities || []).filter(function (activity) {
          return activity.type === 'message' && activity.from && activity.from.role !== 'user' && activity.text;
        });
        return session;
      });
    });
  }

  function showPreview(messages) {
    var log = document.getElementById('early-transcript');
    if (!log || log.hidden === false || !messages.length) return;
    messages.forEach(function (activity) {
      var item = document.createElement('li');
      item.className = 'early-bubble';
      item.textContent = activity.text;
      log.appendChild(item);
    });
    log.hidden = false;
  }

  // The server chose it (?lang=, else the browser's Accept-Language, which lists navigator.languages) with
  // negotiateLocale in src/i18n/locales.ts: the page does not map languages itself.
  var initialLocale = config.locale;
  var early = startEarly(initialLocale);
  early.then(function (session) {
    if (!session.greeting) return;
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', function () { showPreview(session.greeting); });
    } else {
      showPreview(session.greeting);
    }
  }, function () {
    // chat.js retries through Web Chat and shows the failure: nothing to do here.
  });

  window.TrialGuidePage = {
    initialLocale: initialLocale,
    requestToken: requestToken,
    /** The conversation started for `initialLocale` (chat.js takes it over once). */
    early: early,
  };
})();
