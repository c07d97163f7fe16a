from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.registration.tables import Registration, RegistrationForm

APP_CONFIG = AppConfig(
    app_name="registration",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[RegistrationForm, Registration],
)
