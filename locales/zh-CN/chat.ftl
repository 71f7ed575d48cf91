# 聊天小部件与会话。
system-chat-offline = 目前没有客服在线。客服将于 { $at } 回来。请留下您的电子邮件地址，我们会通过邮件回复您。
system-chat-offline-unknown = 目前没有客服在线。请留下您的电子邮件地址，我们会通过邮件回复您。
error-chat-client-id = 消息需要 1 到 64 个字符的客户端 ID。
error-origin-invalid = 请使用来源地址，例如 https://app.example.com（协议、主机和端口，不含路径）。
widget-launcher = 在线咨询
widget-title = 客服支持
widget-close = 关闭
widget-placeholder = 输入您的消息…
widget-send = 发送
widget-offline = 我们暂时离开，将于 { $at } 回来。
widget-offline-unknown = 我们暂时不在线。
widget-reconnecting = 正在重新连接…
widget-email-prompt = 留下您的电子邮件，以便您离开后我们回复：
widget-email-save = 保存
widget-unread = { $count } 条未读
widget-you = 您
widget-failed = 未发送，正在重试…
