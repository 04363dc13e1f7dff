"""Create a clinic and invite its first clinic admin: the production bootstrap."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse

from pht import accounts
from pht.forms import PREFIX_PATTERN


class Command(BaseCommand):
    help = (
        "Create a clinic and an invitation for its first clinic admin; prints the invitation "
        "link and e-mails it (EMAIL_URL). Refuses a clinic name already in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The clinic's name, as shown in the app and on letters.")
        parser.add_argument(
            "--admin-email", required=True, help="The first clinic admin's address."
        )
        parser.add_argument(
            "--identifier-prefix", default="", help="Before each patient number, e.g. NS (NS-0001)."
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Where the app is served, for the link (default: SITE_URL, else "
            "http://127.0.0.1:8000).",
        )

    def handle(self, *args, **options):
        name = " ".join(options["name"].split())
        email = options["admin_email"].strip()
        prefix = options["identifier_prefix"].strip().upper()
        if not name or len(name) > 200:
            raise CommandError("Give the clinic a name of up to 200 characters.")
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an e-mail address: {email!r}") from None
        if prefix and not PREFIX_PATTERN.match(prefix):
            raise CommandError("The identifier prefix is up to 10 letters or digits, e.g. NS.")
        try:
            clinic, invitation, token = accounts.create_clinic(
                name=name, admin_email=email, identifier_prefix=prefix
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        base = (options["base_url"] or settings.SITE_URL or "http://127.0.0.1:8000").rstrip("/")
        link = base + reverse("invitation_accept", args=[token])
        sent = accounts.send_invitation(invitation=invitation, link=link)
        self.stdout.write(self.style.SUCCESS(f"Created the clinic {clinic.name}."))
        if not sent:
            self.stderr.write(f"The e-mail to {email} could not be sent (check EMAIL_URL).")
        self.stdout.write(
            f"Invitation for its first clinic admin ({email}), valid for "
            f"{settings.INVITATION_DAYS} days{', sent by e-mail' if sent else ''}. "
            "The link (works once):"
        )
        self.stdout.write(link)
