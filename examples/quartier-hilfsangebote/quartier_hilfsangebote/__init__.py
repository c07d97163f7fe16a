"""Quartier plugin "hilfsangebote": help and counselling offers (Beratungs- und Hilfsangebote) per Quartier."""

__version__ = "0.1.0"
