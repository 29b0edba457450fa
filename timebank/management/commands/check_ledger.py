"""Recompute every balance from its entries and check the books; exit non-zero if anything is off."""

from django.core.management.base import BaseCommand, CommandError

from timebank.queries import ledger_problems


class Command(BaseCommand):
    help = "Check the time-bank ledger: hubs sum to zero, transfers balance, cached balances are right."

    def handle(self, *args, **options):
        problems, stats = ledger_problems()
        self.stdout.write(
            f"Checked {stats['hubs']} hubs, {stats['accounts']} accounts, {stats['transfers']} transfers, "
            f"{stats['entries']} entries."
        )
        if problems:
            for problem in problems:
                self.stdout.write(f"  {problem.hub}: {problem.what}")
            raise CommandError(f"The ledger has {len(problems)} problem(s).")
        self.stdout.write("The ledger is correct: nothing lost, nothing created.")
