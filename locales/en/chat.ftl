# Chat widget and conversations.
system-chat-offline = Nobody is available right now. Someone will be back at { $at }. Leave your email address and we will answer there.
system-chat-offline-unknown = Nobody is available right now. Leave your email address and we will answer there.
error-chat-client-id = A message needs a client id of 1 to 64 characters.
error-origin-invalid = Use an origin such as https://app.example.com (scheme, host and port, no path).
widget-launcher = Chat with us
widget-title = Support
widget-close = Close
widget-placeholder = Type your message…
widget-send = Send
widget-offline = We are away. Back { $at }.
widget-offline-unknown = We are away right now.
widget-reconnecting = Reconnecting…
widget-email-prompt = Your email, so we can answer if you leave:
widget-email-save = Save
widget-unread = { $count } unread
widget-you = You
widget-failed = Not sent. Retrying…
