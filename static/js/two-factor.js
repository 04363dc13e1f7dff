// Two-factor pages: after django-otp-webauthn's script has registered a passkey, reload the
// page so that the list of passkeys shows it (no inline handlers: the CSP forbids them).
document.addEventListener("otp_webauthn.register_complete", function () {
  window.location.reload();
});
