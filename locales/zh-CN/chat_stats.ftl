# 聊天小组件的数据：文章建议与拦截，显示在聊天管理页和知识库的其他数据旁。
chat-stats-title = 由文章解答
chat-stats-deflections = 过去 { $days } 天内，访客 { $count } 次表示建议的文章解答了他们的问题。
chat-stats-help = 访客输入时，小组件会建议帮助中心的文章；访客表示某篇文章已解答问题时不会发送消息，因此不会创建工单。
chat-stats-per-article = 各文章的数据
chat-stats-widget-shown = 聊天中建议
chat-stats-widget-shown-help = “聊天中建议”统计访客撰写消息时聊天小组件推荐该文章的次数，每份草稿计一次。
chat-stats-error-seen = 已建议文章的列表过长。
chat-stats-in-chat = 聊天中：建议 / 解决
