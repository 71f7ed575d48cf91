# The knowledge-base editor's version diff.
kb-diff-compare = Compare with current
kb-diff-compare-label = Compare with current: version { $version }
kb-diff-title = Changes to { $title }
kb-diff-heading = Changes to
kb-diff-back = Back to the editor
kb-diff-from = From
kb-diff-to = To
kb-diff-version = version { $version }
kb-diff-current = current
kb-diff-show = Compare
kb-diff-restore = Restore version { $version }
kb-diff-fields = Title, keywords and status
kb-diff-unchanged = unchanged
kb-diff-removed = removed
kb-diff-added = added
kb-diff-same = The body is the same in both versions.
kb-diff-coarse = These texts are too long to compare line by line: the part that changed is shown removed and added whole.
kb-diff-caption = The body's lines: removed, added and unchanged
kb-diff-old-line = Old
kb-diff-new-line = New
kb-diff-text = Line
kb-diff-skipped = { $count ->
    [one] { $count } unchanged line
   *[other] { $count } unchanged lines
}
kb-diff-error-version = Choose a version by its number.
kb-diff-cut = { $count ->
    [one] { $count } more line of the diff is not shown.
   *[other] { $count } more lines of the diff are not shown.
}
