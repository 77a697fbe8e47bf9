// Drives the security-key and passkey forms (the only script the web UI has). A form marked
// data-webauthn="register" or "authenticate" carries the server's options in data-options; its
// button asks the browser (through @simplewebauthn/browser, served next to this file), puts the
// answer in the hidden "credential" field and submits the form. No inline script: the page's CSP
// allows scripts from this site only.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;

  function setup(form) {
    var button = form.querySelector('[data-webauthn-start]');
    var status = form.querySelector('[data-webauthn-status]');
    var field = form.querySelector('input[name="credential"]');
    if (!button || !field) return;
    var say = function (text) {
      if (status) status.textContent = text;
    };
    if (!lib || !lib.browserSupportsWebAuthn()) {
      say('This browser does not support security keys or passkeys.');
      button.disabled = true;
      return;
    }
    button.addEventListener('click', function (event) {
      event.preventDefault();
      var optionsJSON;
      try {
        optionsJSON = JSON.parse(form.getAttribute('data-options'));
      } catch (error) {
        say('This page is damaged. Reload it and try again.');
        return;
      }
      button.disabled = true;
      say('Follow the instructions of your browser, security key or passkey…');
      var ceremony = form.getAttribute('data-webauthn') === 'register' ? lib.startRegistration : lib.startAuthentication;
      ceremony({ optionsJSON: optionsJSON }).then(
        function (response) {
          field.value = JSON.stringify(response);
          say('Checking…');
          form.submit();
        },
        function (error) {
          say('That did not work: ' + (error && error.message ? error.message : String(error)) + ' You can try again.');
          button.disabled = false;
        },
      );
    });
  }

  var forms = document.querySelectorAll('form[data-webauthn]');
  for (var i = 0; i < forms.length; i++) setup(forms[i]);
})();
