### The command line (English only: it prints for operators, not chats).

cli-exported =
    { $n ->
        [one] Exported { $n } feed to { $file }.
       *[other] Exported { $n } feeds to { $file }.
    }
cli-entries =
    { $n ->
        [one] { $title }: { $n } entry
       *[other] { $title }: { $n } entries
    }
