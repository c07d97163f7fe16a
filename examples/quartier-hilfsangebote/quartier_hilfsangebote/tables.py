from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.plugin_api import Quartier


class Offer(Table, tablename="hilfsangebote_offers"):
    """One help or counselling offer of a Quartier (Beratungs- oder Hilfsangebot)."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    provider = Varchar(length=200, default="")  # Träger
    category = Varchar(length=100, index=True)  # one of the setting `categories` (German)
    description = Text(default="")
    street = Varchar(length=200, default="")
    postal_code = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    opening_hours = Text(default="")
    phone = Varchar(length=60, default="")
    email = Varchar(length=200, default="")
    website = Varchar(length=500, default="")
    languages = Varchar(length=200, default="")  # ISO 639 codes, "de, en, tr"
    accessible = Boolean(default=False)
    active = Boolean(default=True, index=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class CallbackRequest(Table, tablename="hilfsangebote_callbacks"):
    """A citizen asked to be called back about an offer (Rückruf erbeten)."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    offer = ForeignKey(references=Offer, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    email = Varchar(length=200, default="")
    phone = Varchar(length=60, default="")
    language = Varchar(length=12, default="de")
    done = Boolean(default=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
