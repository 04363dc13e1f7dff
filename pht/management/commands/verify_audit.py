"""Check that the access log and the change history are intact (pht.chain, pht.anchors)."""

from django.core.management.base import BaseCommand, CommandError

from pht import anchors


class Command(BaseCommand):
    help = (
        "Verify the hash chains of the access log and every change-history table, one chain "
        "per clinic, and each chain against its latest anchor (manage.py anchor_audit). Exits "
        "non-zero and lists the broken rows if any row was altered, removed, inserted or moved "
        "to another clinic's chain, or if a chain's newest rows up to its anchor are gone."
    )

    def handle(self, *args, **options):
        reports = anchors.verify()
        names = anchors.chain_names({r.chain_key for r in reports})
        by_table: dict[str, list] = {}
        for report in reports:
            by_table.setdefault(report.table, []).append(report)
        failures = []
        for table, chains in sorted(by_table.items()):
            problems = sum(len(r.problems) for r in chains)
            rows = sum(r.rows for r in chains)
            status = "ok" if not problems else f"{problems} problem(s)"
            self.stdout.write(f"{table}: {len(chains)} chain(s), {rows} rows, {status}")
            for r in chains:
                status = "ok" if not r.problems else f"{len(r.problems)} problem(s)"
                anchored = f", anchored at row {r.anchor.last_pk}" if r.anchor else ""
                self.stdout.write(
                    f"  {names[r.chain_key][:40]:<40} {r.rows:>8} rows  {status}  "
                    f"head {r.head[:16]} (row {r.head_pk}){anchored}"
                )
                failures.extend(r.problems)
        if failures:
            for problem in failures:
                self.stderr.write(problem)
            raise CommandError(f"Audit chain broken: {len(failures)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Audit chains intact."))
