## Images and attachments of knowledge-base articles (the editor's Files card).

kb-files-title = Files
kb-files-choose = Add images or attachments
kb-files-upload = Upload
kb-files-help = PNG, JPEG, GIF and WebP show as images in the article; any other file is offered as a download. Paste a file's Markdown into the body to use it.
kb-files-name = File
kb-files-size = Size
kb-files-bytes = { $n } B
kb-files-image = image
kb-files-snippet = Markdown
kb-files-snippet-label = Markdown for { $name }
kb-files-delete = Delete
kb-files-delete-label = Delete { $name }
kb-files-error-none = Choose a file to upload.
kb-files-error-count = An article has at most 50 files; delete one first.
kb-files-error-too-large = The file is larger than the limit of { $limit } bytes.
