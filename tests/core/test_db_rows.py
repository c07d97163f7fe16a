"""Objects built from select() rows are the objects Piccolo's objects() returns."""

from core.db.rows import as_objects
from core.events import service
from core.events.tables import Event, Venue
from tests.core.factories import make_event, make_quartier


async def test_objects_from_rows_equal_piccolos_objects_and_can_be_saved(make_deployment):
    await make_deployment()
    quartier = await make_quartier("nordstadt")
    await make_event(quartier, "erstes")
    await make_event(quartier, "zweites", days=20)
    expected = await Event.objects().order_by(Event.id)
    built = as_objects(Event, await Event.select().order_by(Event.id))
    assert [e.to_dict() for e in built] == [e.to_dict() for e in expected]
    assert [type(e) for e in built] == [Event, Event]
    assert built[0].starts_at.tzinfo is not None

    built[0].title = "Geändert"
    await built[0].save()  # an update of the existing row, not a second row
    assert await Event.count() == 2
    assert (await Event.objects().where(Event.id == built[0].id).first()).title == "Geändert"

    venue = as_objects(Venue, await Venue.select().limit(1))[0]
    assert venue.name == "Treff-PUNKT 53"
    details = await service.public_events(quartier.id)
    assert [d.event.title for d in details] == ["Geändert", "Treffen zweites"]
    assert details[0].venue.name == "Treff-PUNKT 53" and [o.name for o, _ in details[0].organisations] == ["Landkreis Gifhorn", "GWG eG"]
