// A shared staff-room computer shows nothing of the person before (design §4). Every page is sent
// with Cache-Control: no-store, but a browser may still keep a page it left in its back/forward
// cache, or fill a re-fetched form with what was typed in it before. So: a form marked
// autocomplete="off" (the questionnaire) is emptied when its page is left, and again when Back brings
// it back; any page restored from the back/forward cache is fetched anew (after a sign-out, that
// gives the sign-in page, not the dashboard).
(function () {
  function empty() {
    for (const form of document.querySelectorAll('form[autocomplete="off"]')) {
      for (const el of form.elements) {
        if (el.type === 'radio' || el.type === 'checkbox') el.checked = false;
        else if (el.tagName === 'TEXTAREA' || el.type === 'text') el.value = '';
      }
    }
  }
  addEventListener('pagehide', empty);
  addEventListener('pageshow', function (event) {
    if (event.persisted) location.reload();
  });
  const entry = performance.getEntriesByType('navigation')[0];
  if (entry && entry.type === 'back_forward') {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', empty);
    else empty();
  }
})();
