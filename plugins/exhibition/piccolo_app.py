from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.exhibition.tables import (
    Contribution, Exhibit, ExhibitImage, Exhibition, ExhibitionEvent, GuidingQuestion, MediaChunk, MediaFile,
)

APP_CONFIG = AppConfig(
    app_name="exhibition",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Exhibition, ExhibitionEvent, Exhibit, ExhibitImage, GuidingQuestion, Contribution,
                   MediaFile, MediaChunk],
)
