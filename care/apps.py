from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Care plans and outcomes"

    def ready(self) -> None:
        # Plug into booking's seams (booking never imports care): private links, plan-only
        # booking checks, the ledger's message kinds, appointment events.
        from care import wiring

        wiring.register()
