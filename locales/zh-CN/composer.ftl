# 工单回复编辑器：Markdown、预览、粘贴图片、邮件工单的抄送。
composer-md-hint = 支持 Markdown：**粗体**、*斜体*、列表、`代码`、[链接](https://example.com)。粘贴或拖入图片即可添加。
composer-md-preview = 预览
composer-md-edit = 隐藏预览
composer-md-preview-title = 消息预览
composer-md-preview-empty = 还没有可预览的内容。
composer-md-preview-failed = 无法显示预览。您的文字仍然保留。
composer-md-uploading = 正在添加图片…
composer-md-uploaded = 图片已添加到消息中。
composer-md-image-too-large = 图片太大，无法添加。您的文字仍然保留。
composer-md-image-type = 正文中只能插入 PNG、JPEG、GIF 或 WebP 图片。其他文件请用附件栏添加。
composer-md-upload-failed = 无法添加图片。您的文字仍然保留，请重试。
composer-md-image-one = 请只发送一张图片。
composer-cc-label = 抄送
composer-cc-hint = 多个邮箱地址用逗号分隔；他们会收到这条回复并可以回复。
composer-cc-invalid = 抄送中的“{ $address }”不是有效的邮箱地址。多个地址请用逗号分隔。
composer-cc-too-many = 最多只能抄送 20 个地址。
composer-cc-copied = 抄送：{ $addresses }
