from pathlib import Path

from piccolo.conf.apps import AppConfig

from quartier_greeter.tables import Greeting, ReceivedEvent

APP_CONFIG = AppConfig(
    app_name="greeter",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[ReceivedEvent, Greeting],
)
