from django.apps import AppConfig


class PhtConfig(AppConfig):
    name = "pht"
    verbose_name = "Clinics and users"

    def ready(self) -> None:
        # Session bookkeeping, not domain flow: the session's clock starts at log-in, so the
        # idle and absolute limits (pht.middleware.SessionTimeout) need no write per request.
        from django.contrib.auth.signals import user_logged_in

        from pht.middleware import start_session_clock
        from pht.twofactor import note_second_factor

        user_logged_in.connect(start_session_clock, dispatch_uid="pht-session-clock")
        # Whether the session still owes a second factor (pht.middleware.TwoFactorRequired).
        user_logged_in.connect(note_second_factor, dispatch_uid="pht-second-factor")
