/*
 * The coordinators' console: keeps the first page of the referral list current. Every few seconds it asks
 * /console/list-fragment (same filters) and, when the server's rendering changed, replaces the list and the
 * counts per status, and says so in the page's polite live region. Plain polling: it works behind any proxy, and a missed poll is only late.
 */
(function () {
  'use strict';
  var region = document.getElementById('results');
  if (!region) return;
  var url = region.getAttribute('data-poll-url');
  if (!url) return;
  var intervalMs = Number(region.getAttribute('data-poll-ms')) || 10000;
  var newest = Number(region.getAttribute('data-newest')) || 0;
  var live = document.getElementById('live-status');
  var lastHtml = null;
  var busy = false;

  var counts = document.getElementById('status-counts');

  function apply(data) {
    if (!data || typeof data.html !== 'string') return;
    if (counts && typeof data.counts === 'string' && counts.innerHTML !== data.counts) counts.innerHTML = data.counts;
    if (lastHtml !== null && data.html === lastHtml) return;
    var changed = lastHtml !== null || data.newest !== newest;
    lastHtml = data.html;
    if (!changed) return;
    // Keep keyboard focus where it was if it sat inside the list (the new list has the same links).
    var focusedHref = region.contains(document.activeElement) && document.activeElement.getAttribute ? document.activeElement.getAttribute('href') : null;
    region.innerHTML = data.html;
    if (focusedHref) {
      var again = region.querySelector('a[href="' + focusedHref.replace(/"/g, '') + '"]');
      if (again) again.focus();
    }
    if (data.newest > newest && live) live.textContent = data.announcement;
    newest = Math.max(newest, data.newest);
  }

  function poll() {
    if (busy) return;
    busy = true;
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.assign('/console/sign-in?expired=1');
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(apply, function (error) {
        // Offline for a moment, a proxy restart: the next poll tries again.
        if (window.console) window.console.warn('console: could not check for new referrals', error && error.name);
      })
      .then(function () {
        busy = false;
      });
  }

  window.setInterval(poll, intervalMs);
})();
