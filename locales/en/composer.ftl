# The ticket composer: Markdown, its preview, pasted images, Cc on email tickets.
composer-md-hint = Markdown works: **bold**, *italic*, lists, `code`, [links](https://example.com). Paste or drop an image to add it.
composer-md-preview = Preview
composer-md-edit = Hide preview
composer-md-preview-title = Preview of the message
composer-md-preview-empty = Nothing to preview yet.
composer-md-preview-failed = The preview could not be shown. Your text is still here.
composer-md-uploading = Adding the image…
composer-md-uploaded = Image added to the message.
composer-md-image-too-large = This image is too large to add. Your text is still here.
composer-md-image-type = Only PNG, JPEG, GIF or WebP images can go in the text. Attach other files with the file field.
composer-md-upload-failed = The image could not be added. Your text is still here; try again.
composer-md-image-one = Send exactly one image.
composer-cc-label = Cc
composer-cc-hint = Email addresses separated by commas; they get this reply and can answer it.
composer-cc-invalid = “{ $address }” is not an email address. Separate addresses with commas.
composer-cc-too-many = At most 20 addresses can be copied.
composer-cc-copied = Cc: { $addresses }
