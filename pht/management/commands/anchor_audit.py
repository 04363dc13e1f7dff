"""Anchor the head of every audit chain (pht.anchors) and print the heads."""

from django.core.management.base import BaseCommand

from pht import anchors


class Command(BaseCommand):
    help = (
        "Write the head of every audit chain (a table and a clinic) that moved since its last "
        "anchor to the anchor table, and print every head, one line per chain: keep the "
        "output elsewhere too. verify_audit then fails if a chain's newest rows are removed."
    )

    def handle(self, *args, **options):
        heads = anchors.anchor_heads()
        names = anchors.chain_names({h.chain_key for h in heads})
        for h in heads:
            state = "anchored" if h.anchored else "unchanged"
            self.stdout.write(
                f"{h.table:<36} {names[h.chain_key][:40]:<40} row {h.last_pk:>9}  "
                f"{h.rows:>8} rows  head {h.head_hash}  {state}"
            )
        written = sum(h.anchored for h in heads)
        self.stdout.write(
            self.style.SUCCESS(
                f"Anchored {written} chain head(s); {len(heads) - written} unchanged since "
                "their last anchor."
            )
        )
