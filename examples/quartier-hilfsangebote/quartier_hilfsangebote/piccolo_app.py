from pathlib import Path

from piccolo.conf.apps import AppConfig

from quartier_hilfsangebote.tables import CallbackRequest, Offer

APP_CONFIG = AppConfig(
    app_name="hilfsangebote",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Offer, CallbackRequest],
)
