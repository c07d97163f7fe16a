"""Messages to people as a service: a plugin declares its message types and asks for a message.

A plugin never imports the plugin that delivers messages. It returns ``MessageType``s from the
``register_message_types`` hook and calls ``send_message(MessageRequest(...))``; the plugin that
implements ``deliver_message`` (the notifications plugin ships one) renders the staff-editable
text, picks the channel and delivers through its outbox. Without such a plugin, or with it
switched off for the Quartier, ``send_message`` returns a result saying so and sends nothing.
"""
