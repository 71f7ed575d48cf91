# The chat widget's numbers: its article suggestions and deflections, on the chat admin page and
# beside the knowledge base's other numbers.
chat-stats-title = Answered by articles
chat-stats-deflections = { $count ->
    [one] One visitor said a suggested article answered their question in the last { $days } days.
   *[other] { $count } times visitors said a suggested article answered their question in the last { $days } days.
}
chat-stats-help = While a visitor types, the widget suggests help-center articles; a visitor who says one answered them sends no message, so no ticket is opened.
chat-stats-per-article = Numbers per article
chat-stats-widget-shown = Suggested in chat
chat-stats-widget-shown-help = "Suggested in chat" counts how often the chat widget offered the article while a visitor wrote, once per message draft.
chat-stats-error-seen = The list of articles already suggested is too long.
chat-stats-in-chat = In chat: suggested / answered
