# Meridian 控制台，简体中文。

nav-skip = 跳到主要内容
nav-label = 主导航
nav-inbox = 收件箱
nav-agents = 客服人员
nav-tokens = API 令牌
nav-jobs = 失败的任务
nav-sign-out = 退出登录

action-save = 保存

signin-title = 登录
signin-workspace = 工作区
signin-email = 电子邮箱
signin-password = 密码
signin-submit = 登录
signin-failed = 工作区、电子邮箱或密码不正确。

inbox-title = 收件箱
inbox-empty-title = 还没有工单
inbox-empty-body = 来自邮件、在线聊天和 API 的新会话会显示在这里。
inbox-empty-mine-title = 没有分配给你的工单
inbox-empty-mine-body = 分配给你的未解决工单会显示在这里。
inbox-empty-view-title = 此视图中没有工单
inbox-empty-view-body = 符合此视图的工单会显示在这里。
inbox-empty-filter-title = 没有符合条件的工单
inbox-empty-filter-body = 请减少筛选条件，或换一个视图。
inbox-empty-go-unassigned = { $count } 个未分配的工单在等待
inbox-empty-go-all-open = 查看全部 { $count } 个未解决工单

profile-title = 个人资料
profile-saved = 个人资料已保存。
profile-languages-saved = 语言已保存。
profile-password-saved = 密码已更改。您在其他设备上的会话已退出。
profile-details = 基本信息
profile-name = 姓名
profile-email = 电子邮箱：{ $email }
profile-locale = 控制台语言
profile-locale-auto = 自动（跟随浏览器）
profile-time-zone = 时区
profile-time-zone-auto = 使用工作区的时区
profile-languages = 您可以服务客户的语言
profile-languages-help = 工单会分配给会说客户语言的客服人员。清空某一语言即可将其删除。
profile-language = 语言
profile-language-add = 添加语言
profile-proficiency = 熟练程度
profile-password = 密码
profile-password-current = 当前密码
profile-password-new = 新密码（至少 12 个字符）
profile-password-confirm = 再次输入新密码
profile-password-change = 修改密码

locale-name-en = English（英语）
locale-name-zh-CN = 简体中文

proficiency-native = 母语
proficiency-fluent = 流利
proficiency-working = 工作水平
proficiency-basic = 基础

role-owner = 所有者
role-admin = 管理员
role-agent = 客服

agents-title = 客服人员
agents-created = 已添加 { $email }。其一次性密码为 { $password }，此密码不会再次显示。
agents-name = 姓名
agents-email = 电子邮箱
agents-role = 角色
agents-active = 启用
agents-add = 添加客服人员

tokens-title = API 令牌
tokens-created = 请立即复制此令牌，它不会再次显示。
tokens-name = 名称
tokens-prefix = 令牌
tokens-created-at = 创建时间
tokens-last-used = 最近使用
tokens-never = 从未使用
tokens-revoked = 已撤销
tokens-revoke = 撤销
tokens-add = 创建令牌

jobs-title = 失败的任务
jobs-help = 所有重试均失败的后台任务会保留在这里。排除原因后可以重试。
jobs-none = 没有失败的任务。
jobs-kind = 类型
jobs-attempts = 尝试次数
jobs-error = 最近的错误
jobs-when = 时间
jobs-retry = 重试

help-title = { $name } 帮助中心
help-intro = 查找答案，或联系客服团队。

error-status-code = 错误 { $code }
error-back = 返回收件箱
error-not-found = 未找到
error-not-found-detail = 此页面不存在，或者您无权访问。
error-unauthenticated = 请登录
error-unauthenticated-detail = 您的会话已结束，请重新登录后继续。
error-forbidden = 无权操作
error-forbidden-detail = 您的角色不允许此操作，请联系工作区管理员。
error-csrf = 表单已过期
error-csrf-detail = 此表单已过期或并非来自本站。请返回、刷新页面后重试。
error-validation = 请检查您的输入
error-validation-detail = 您输入的部分内容无效。
error-bad-request = 无法读取请求
error-bad-request-detail = 请求格式不正确。
error-conflict = 已存在
error-conflict-detail = 已存在同名的内容。
error-precondition-failed = 内容已被修改
error-precondition-failed-detail = 其他人刚刚修改了此内容。请刷新后重试。
error-rate-limited = 尝试次数过多
error-rate-limited-detail = 尝试次数过多，请在 { $minutes } 分钟后重试。
error-method-not-allowed = 不允许的请求方法
error-method-not-allowed-detail = 此地址不接受这种请求。
error-payload-too-large = 内容过大
error-payload-too-large-detail = 您发送的内容超过了允许的大小。
error-request-timeout = 超时
error-request-timeout-detail = 您发送的内容未能及时送达。请检查网络连接后重试。
error-unavailable = 暂时无法使用
error-unavailable-detail = 服务暂时无法使用，请稍后重试。
error-internal = 出错了
error-internal-detail = 发生了意外错误，已记录。

error-slug-invalid = 请使用 2–40 个字符：小写字母、数字和中间的连字符。
error-slug-reserved = 该名称为保留名称。
error-time-zone-invalid = 请从列表中选择时区（例如 Asia/Shanghai）。
error-locale-unsupported = 该语言不可用。
error-name-invalid = 请输入不超过 120 个字符的名称。
error-email-invalid = 请输入有效的电子邮箱地址。
error-email-taken = 此工作区中已有人使用该电子邮箱地址。
error-role-invalid = 请选择所有者、管理员或客服。
error-proficiency-invalid = 请从列表中选择熟练程度。
error-last-owner = 工作区必须至少保留一位启用的所有者。
error-language-invalid = 请输入语言代码，例如 pt、pt-BR 或 zh-Hans。
error-language-duplicate = 有语言重复列出。
error-too-many-languages = 最多列出 50 种语言。
error-password-short = 密码至少需要 12 个字符。
error-password-long = 密码最多 1024 个字符。
error-password-mismatch = 两次输入的新密码不一致。
error-password-current = 当前密码不正确。

action-apply = 应用

view-my_open = 我的未解决工单
view-unassigned = 未分配
view-all_open = 全部未解决
view-pending = 待回复
view-solved = 已解决

status-new = 新建
status-open = 处理中
status-pending = 待客户回复
status-on_hold = 暂停
status-solved = 已解决
status-closed = 已关闭

priority-low = 低
priority-normal = 普通
priority-high = 高
priority-urgent = 紧急

channel-email = 邮件
channel-chat = 在线聊天
channel-web = 网页
channel-api = API

sort-updated = 最近更新
sort-age = 最早创建
sort-priority = 优先级

field-subject = 主题
field-requester = 提交人
field-status = 状态
field-priority = 优先级
field-assignee = 处理人
field-team = 团队
field-channel = 渠道
field-language = 语言
field-tag = 标签
field-tags = 标签
field-text = 文本
field-updated = 更新时间
field-waiting-since = 开始等待
field-kind = 类型
field-other = 其他字段
value-none = 无
value-unknown-agent = 已离开的客服
value-unknown-team = 已删除的团队
kind-reply = 公开回复
kind-note = 内部备注
kind-system = 系统消息
history-change = 修改了{ $field }：{ $change }
history-from-to = { $before } → { $after }
api-in-query = 查询参数
api-in-path = 路径
api-in-header = 请求头
api-in-cookie = Cookie
time-just-now = 刚刚
time-minutes-ago = { $n } 分钟前
time-hours-ago = { $n } 小时前
time-days-ago = { $n } 天前
inbox-pages = 分页
inbox-previous-page = ← 上一页
inbox-menu = 菜单
conflict-title = 其他人已先保存了此工单。
conflict-body = 他们的修改已保存；您的修改仍保留在下方表单中。
conflict-field = 字段
conflict-theirs = 对方保存的值
conflict-yours = 您的值
conflict-keep-theirs = 保留对方的修改
conflict-save-mine = 用我的值覆盖
conflict-save-mine-hint = 或在对方修改的基础上再次保存您的值。

assignee-me = 我
assignee-none = 无人
team-none = 无团队

inbox-views = 视图
inbox-filter = 筛选
inbox-sort = 排序
inbox-view-name = 视图名称
inbox-save-view = 保存为视图
inbox-manage-view = 重命名或删除此视图
inbox-rename-view = 重命名
inbox-delete-view = 删除此视图
inbox-add-tag = 添加标签
inbox-apply-selected = 应用到所选工单
inbox-select = 选择
inbox-select-ticket = 选择工单 { $number }
inbox-select-all = 选择本页所有工单
inbox-selected = 已选择 { $count } 个
search-agents = 搜索客服
search-teams = 搜索团队
bulk-applied = 已更改 { $count } 个工单。
bulk-undone = 已撤销：{ $count } 个工单已恢复原状。
bulk-undo-skipped = { $count } 个工单在此期间已被更改，未作变动。
inbox-next-page = 下一页 →
inbox-count-unavailable = ?
shortcuts-inbox = 快捷键：j / k 下一个和上一个，o 打开，x 选择，? 帮助。
shortcuts-ticket = 快捷键：r 回复，n 内部备注，a 分配给我，s 标记为已解决，j / k 下一个和上一个工单，u 返回收件箱，? 帮助。

ticket-new = 新建工单
ticket-create = 创建工单
ticket-requester-email = 提交人的电子邮箱
ticket-requester-name = 提交人的姓名
ticket-closed = 此工单已关闭。提交人的新消息会创建一个后续工单。
ticket-follow-up-of = 后续工单，原工单
ticket-merged-into = 已合并到
system-merged = #{ $source } 已合并到 #{ $target }
ticket-history = 历史记录
ticket-other-tickets = 此人的其他工单
ticket-properties = 属性
ticket-merge = 合并
ticket-merge-target = 要合并到的工单编号
ticket-merge-action = 合并到

merge-title = 合并工单
merge-source = 此工单将被关闭
merge-target = 其消息将移入
merge-messages = { $count } 条消息
merge-requesters-differ = 这两个工单来自不同的请求者。合并后，回复只会发送给保留的工单的请求者。
merge-effect = 工单 #{ $number } 将被关闭并指向另一个工单。合并无法撤销。
merge-confirm = 合并
action-cancel = 取消
action-close = 关闭
action-undo = 撤销
sent-reply = 您的回复已发送。
sent-note = 您的内部备注已添加。
solve-pending = 几秒后将解决此工单…
solve-now = 立即解决
shortcuts-title = 键盘快捷键
shortcut-reply = 撰写公开回复
shortcut-note = 撰写内部备注
shortcut-assign-me = 将工单分配给我
shortcut-solve = 解决（几秒内可撤销）
shortcut-next-previous = 队列中的下一个和上一个工单
shortcut-inbox = 返回收件箱
shortcut-help = 显示此帮助
shortcut-close = 关闭此帮助，或撤销待执行的解决操作

composer-kind = 消息类型
composer-reply = 公开回复
composer-note = 内部备注
composer-body = 消息
composer-send = 发送
composer-and-set = 并将状态设为
composer-keep-status = 保持当前状态
composer-set-open = …并设为处理中
composer-set-pending = …并设为待客户回复
composer-set-on_hold = …并设为暂停
composer-set-solved = …并设为已解决

message-internal-note = 内部备注
message-show-full = 显示完整邮件

event-created = 创建了工单
event-changed = 修改了
event-message_added = 添加了消息：
event-merged = 合并了
event-follow_up = 创建了后续工单

viewers-also = 同时在查看：{ $names }

error-status-invalid = 请从列表中选择状态。
error-priority-invalid = 请从列表中选择优先级。
error-channel-invalid = 请从列表中选择渠道。
error-kind-invalid = 请选择公开回复或内部备注。
error-tag-invalid = 标签只能包含字母、数字、_ - 和 :（最多 40 个字符，最多 20 个标签）。
error-subject-invalid = 请输入不超过 250 个字符的主题。
error-body-empty = 请先填写消息内容。
error-body-too-long = 消息过长。
error-assignee-invalid = 请选择此工作区中启用的客服人员。
error-team-invalid = 请选择此工作区中的团队。
error-team-taken = 已存在同名团队。
error-requester-invalid = 请选择此工作区中的联系人。
error-close-unsolved = 只有已解决的工单才能关闭。
error-bulk-size = 请选择 1 到 500 个工单。
error-bulk-nothing = 请选择要应用到所选工单的更改。
error-merge-self = 工单不能合并到自身。
error-merge-target = 没有该编号的未关闭工单。
error-merge-closed = 已关闭或已合并的工单不能合并。
error-sort-invalid = 请按最近更新、创建时间或优先级排序。
error-cursor-invalid = 该分页链接已失效，请从第一页开始。
error-view-invalid = 该视图不存在。
error-saved-view-corrupt = 无法读取此已保存视图。请通过筛选重新保存该视图。
error-limit-invalid = 请请求 1 到 200 行。
error-idempotency-mismatch = 此 Idempotency-Key 已用于另一个不同的请求。
composer-files = 添加附件
error-attachment-empty = 文件为空。
error-attachment-count = 每条消息最多添加 10 个附件。
error-attachment-encoding = 文件内容不是有效的 base64。
error-text-nul = 请删除输入中不可见的 NUL 字符（U+0000）。
nav-api = API
api-title = API 参考
api-intro = REST API 的全部端点，由集成方可下载的同一份 OpenAPI 3.1 文档生成：
api-contents = 端点
api-parameter = 参数
api-in = 位置
api-required = 必填
api-body = 请求体
api-schemas = 数据结构
nav-teams = 团队
teams-title = 团队
teams-help = 团队用于对客服人员分组；工单可以分配给团队，也可以按团队筛选。
teams-no-members = 还没有成员。
teams-remove = 移除
teams-add-member = 添加成员
teams-add = 创建团队
teams-name = 团队名称
teams-holidays = 节假日
teams-holidays-none = 尚无节假日。
teams-holidays-date = 日期
teams-holidays-name = 名称（可选）
teams-holidays-add = 添加节假日
teams-holidays-remove-label = 删除 { $date } 的节假日
teams-holidays-ics = 日历文件（ICS）
teams-holidays-import = 导入节假日
teams-holidays-ics-line = 无法读取此日历文件，第 { $line } 行：

# 入站邮件：邮件缺少内容时工单显示的文字。
email-no-subject = （无主题）
email-empty-body = （这封邮件没有正文。）
email-attachment-skipped = 附件“{ $name }”未保存：它是空的或超过了附件大小限制。原始邮件已完整保存。
error-recipient-invalid = 这不是此工作区的入站地址。

# Outbound email: what customers receive.
email-subject-ack = [#{ $number }] { $subject }
email-subject-reply = 回复：[#{ $number }] { $subject }
email-subject-solved = [#{ $number }] 已解决：{ $subject }
email-subject-test = 来自 { $workspace } 的测试邮件
email-greeting = { $name }，您好：
email-ack-received = 我们已收到您的请求，编号为 #{ $number }。
email-ack-reply-hint = 如需补充，直接回复此邮件即可。
email-reply-footer = 回复此邮件即可作答（请求 #{ $number }）。
email-solved-body = 您的请求 #{ $number } 已标记为已解决。
email-solved-reopen = 如果问题仍未解决，请回复此邮件，请求将重新打开。
email-test-body = 这是 { $workspace } 支持台的测试邮件，通过已配置的发信方式发送到其转发地址。

# Outbound email: the console.
email-outbox-banner = 邮件未被投递：未配置发信服务器（MERIDIAN_SMTP_URL），外发邮件只写入服务器上的发件箱文件夹。
mail-to = 发送给 { $to } 的邮件
mail-kind-ack = 确认邮件
mail-kind-reply = 回复
mail-kind-solved = 已解决通知
mail-kind-test = 测试邮件
mail-state-queued = 排队中
mail-state-sent = 已发送
mail-state-retrying = 尚未投递，正在重试
mail-state-dead = 未投递
mail-retry = 重新发送
mail-notices = 邮件通知
nav-email = 邮件
email-setup-title = 邮件设置
email-setup-forwarding = 转发地址
email-setup-forwarding-help = 将您的支持邮箱转发到此地址，每封邮件都会成为工单。
email-setup-http-door = 供邮件服务器使用的 HTTP 入口
email-setup-secret = 入站密钥（Authorization: Bearer）
email-setup-outgoing = 外发邮件
email-setup-support-address = 支持地址（发件人）
email-setup-support-address-help = 留空：{ $default }
email-setup-display-name = 显示名称
email-setup-signature = 签名
email-setup-dkim-selector = DKIM 选择器
email-setup-dkim-key = DKIM 私钥（RSA，PEM）
email-setup-dkim-key-set = 已保存密钥。粘贴新密钥可替换。
email-setup-dkim-remove = 删除 DKIM 密钥
email-setup-dkim-record = 请发布此 DNS TXT 记录：
email-setup-save = 保存
email-setup-saved = 已保存。
email-setup-test = 发送测试邮件
email-setup-test-help = 通过外发邮件通道向转发地址发送一封邮件。
email-setup-test-none = 尚未发送测试邮件。
email-setup-test-status = 最近一次测试（{ $when }）：{ $state }。
email-setup-test-arrived = 已于 { $when } 收到。
email-setup-test-waiting = 尚未收到。
error-dkim-key-invalid = DKIM 密钥必须是 PEM 格式的 RSA 私钥。
error-dkim-selector-invalid = DKIM 选择器只能包含字母、数字、连字符和点（设置密钥时必填）。
error-signature-too-long = 签名最多 2000 个字符。

## Webhooks
error-webhook-url = Webhook 地址必须是不含凭据的完整 https 地址。
error-webhook-events = 请至少选择一种已知的事件类型。
error-webhook-description = 描述最多 500 个字符，且不能包含控制字符。
error-webhook-grace = 宽限期为 0 到 604800 秒。
nav-webhooks = Webhooks
webhooks-title = Webhooks
webhooks-secret-once = 请立即复制此签名密钥，它不会再次显示。Webhook：
webhooks-url = 地址
webhooks-description = 描述
webhooks-events = 事件类型
webhooks-state = 状态
webhooks-created-at = 创建时间
webhooks-enabled = 已启用
webhooks-disabled = 已停用
webhooks-enable = 启用
webhooks-disable = 停用
webhooks-rotate = 轮换密钥
webhooks-delete = 删除
webhooks-add = 添加 Webhook
webhooks-log-title = Webhook 投递记录
webhooks-log-empty = 尚未发送任何内容。
webhooks-test = 发送测试 ping
webhooks-back = 全部 Webhook
webhooks-attempt = 尝试
webhooks-sent-at = 发送时间
webhooks-status = 响应状态
webhooks-duration = 耗时
webhooks-answer = 响应内容

## Routing
event-routed = 分配了工单：
system-routing-assigned = 已分配给 { $agent } — { $language }（{ $level ->
        [native] 母语
        [fluent] 流利
        [working] 工作水平
        [basic] 基础
       *[other] { $level }
    }），{ $team } 班次 { $window } { $zone }，负载 { $load }/{ $max }
system-routing-assigned-basic = 已分配给 { $agent } — { $language }（{ $level ->
        [native] 母语
        [fluent] 流利
        [working] 工作水平
        [basic] 基础
       *[other] { $level }
    }；当前班次无更熟练者），{ $team } 班次 { $window } { $zone }，负载 { $load }/{ $max }
system-routing-assigned-any = 已分配给 { $agent } — { $team } 班次 { $window } { $zone }，负载 { $load }/{ $max }
system-routing-needs-translation = 已分配给 { $agent }，需要翻译 — 当前班次无人会说 { $language }；{ $team } 班次 { $window } { $zone }，负载 { $load }/{ $max }
system-routing-queued = 排队等候 { $team } — 下一位会说 { $language } 的客服的班次开始于 { $at }
system-routing-nobody = 未分配 — 当前班次无人可以处理（语言：{ $language }）
system-routing-handoff = { $from } 班次结束，已移交给 { $agent } — { $team } 班次 { $window } { $zone }，负载 { $load }/{ $max }
system-routing-handoff-queued = { $from } 班次结束，已退回队列 — 排队等候 { $team }，下一位会说 { $language } 的客服的班次开始于 { $at }
system-routing-handoff-nobody = { $from } 班次结束，已退回队列 — 当前班次无人可以处理（语言：{ $language }）
error-domain-invalid = 请输入域名，例如 example.com。
nav-routing = 分配
routing-title = 分配
routing-help = 谁在何时值班、哪些时段无人会说某种语言，以及工单会分配给谁。通过 PUT /api/v1/teams/{"{"}id{"}"}/schedule 编辑班次。
routing-sim-title = 模拟器
routing-sim-language = 语言
routing-sim-at = 日期和时间
routing-sim-priority = 优先级
routing-sim-run = 模拟
routing-sim-assigned = 将被分配
routing-sim-queued = 将在队列中等待
routing-sim-needs-translation = 将被分配，需要翻译
routing-sim-bad-language = 请输入语言标签，例如 pt 或 pt-BR。
routing-sim-bad-at = 请输入日期和时间，例如 2026-12-01T09:30。
routing-sim-bad-priority = 请选择低、普通、高或紧急。
routing-coverage-title = 本周覆盖情况
routing-coverage-help = 未来七天内当前班次无人会说该语言的时段
routing-coverage-full = 每个小时都有人
routing-coverage-no-languages = 还没有客服填写语言。
routing-grid-caption = 值班时段（团队所在时区）
routing-grid-none = 还没有团队设置班次。
day-mon = 周一
day-tue = 周二
day-wed = 周三
day-thu = 周四
day-fri = 周五
day-sat = 周六
day-sun = 周日
error-time-invalid = 请按 HH:MM 输入时间（00:00 至 23:59）。
error-timezone-invalid = 请选择 IANA 时区，例如 Europe/Lisbon。
error-shift-invalid = 请检查班次：星期为 mon 至 sun，结束时间不能等于开始时间。
error-holiday-invalid = 请按 YYYY-MM-DD 输入日期。
error-ics-invalid = 无法读取此 iCalendar 文件；提示中指出了需要修改的行。
error-ics-missing = 请选择要导入的 .ics 文件。
error-language-unknown = 请输入已知的语言代码，例如 pt、pt-BR 或 zh-Hans。
error-skill-invalid = 技能只能包含字母、数字和 _ - :（最多 40 个字符，最多 20 项）。
error-max-load-invalid = 最大负载为 0 到 1000 之间的数字。
error-presence-invalid = 状态为 online、away 或 offline。
presence-label = 状态
presence-online = 在线
presence-away = 离开
presence-offline = 离线
presence-set = 设置状态
presence-saved = 状态已保存。

nav-failed-mail = 失败的邮件
email-setup-failed-link = 失败的邮件：无法归档的邮件
failed-mail-title = 失败的邮件
failed-mail-help = 无法归档的来信会连同原因保留在这里，永不删除。可下载原始邮件，排除原因后重试。
failed-mail-none = 没有失败的邮件。
failed-mail-received = 收到时间
failed-mail-sender = 发件人
failed-mail-subject = 主题
failed-mail-error = 错误
failed-mail-unknown = 未知
failed-mail-download = 下载原始邮件
failed-mail-retry = 重试
failed-mail-retried = 已重新排队归档。
channel-alert = 告警
alert-firing-again = 告警再次触发。
alert-resolved = 告警已恢复。
alert-fingerprint = 指纹：{ $fingerprint }
alert-labels = 标签：
alert-source = 来源：{ $url }
webhooks-auto-disabled-banner = 由于投递持续失败，Meridian 已停用一个 Webhook。
webhooks-auto-disabled-link = 查看 Webhook
email-subject-webhook-disabled = { $workspace }：一个 Webhook 已被停用
email-webhook-disabled-body = Meridian 已停用 Webhook { $url }。原因：{ $reason }
email-webhook-disabled-next = 请修复接收端，然后在控制台的 Webhook 页面（/admin/webhooks）重新启用该 Webhook。
alert-told = 已将此告警告知 { $count } 个带有标签 { $tag } 的未结客户工单。
error-alert-rule = 请检查告警规则：要匹配的标签、有效的标签名和消息。
