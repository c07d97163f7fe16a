"""Scheduled jobs: the one way to run periodic work, for the core and for plugins (``background_tasks``).

A job belongs to a plugin and runs for the Quartiere where that plugin is switched on: each time it is due,
the scheduler reads those Quartiere and calls ``await job.run(deployment, quartiere)`` with their ids (a
``frozenset``), or skips the run while the plugin is off everywhere. A job whose work belongs to no Quartier
(sending the outbox, deletion deadlines the law sets whatever is switched on) declares ``deployment_wide=True``
and gets ``None``. A job that shares its work out safely (claims from a queue) declares ``every_process=True``:
no lease, each process runs it on its own timer.

``types.Job`` is the declaration, ``service`` the scheduler, ``routes`` the admins' page.
"""
