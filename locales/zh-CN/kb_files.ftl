## 知识库文章的图片和附件（编辑器的“文件”卡片）。

kb-files-title = 文件
kb-files-choose = 添加图片或附件
kb-files-upload = 上传
kb-files-help = PNG、JPEG、GIF 和 WebP 在文章中显示为图片；其他文件以下载方式提供。将文件的 Markdown 粘贴到正文中即可使用。
kb-files-name = 文件
kb-files-size = 大小
kb-files-bytes = { $n } 字节
kb-files-image = 图片
kb-files-snippet = Markdown
kb-files-snippet-label = { $name } 的 Markdown
kb-files-delete = 删除
kb-files-delete-label = 删除 { $name }
kb-files-error-none = 请选择要上传的文件。
kb-files-error-count = 一篇文章最多有 50 个文件；请先删除一个。
kb-files-error-too-large = 文件超过了 { $limit } 字节的上限。
