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
error-payload-too-large = 内容过大
error-payload-too-large-detail = 您发送的内容超过了允许的大小。
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
