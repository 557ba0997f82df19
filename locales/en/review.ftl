### Review before broadcast: /trust, /review, previews, the Approve and Reject buttons.

cmd-trust = Send a feed's appeals without review: /trust ID
cmd-review = Hold a feed's appeals for approval: /review ID
trust-usage = Send /trust FEED_ID (the numbers /feeds shows).
review-usage = Send /review FEED_ID (the numbers /feeds shows).
trust-ok = Feed { $id } ({ $name }) is trusted: its appeals go out without review.
review-ok = Feed { $id } ({ $name }) is under review: its appeals wait for an organizer's approval.
feeds-under-review = {"   "}under review
review-reason-feed = Held for review: feed { $id } ({ $name }) is under review. Approve sends it to every subscriber.
review-reason-sites = Held for review: its action links go to { $sites }, which feed { $id } ({ $name }) never linked to before. Approve sends it to every subscriber.
review-approve = Approve
review-reject = Reject
review-approved = Approved: it goes to every subscriber.
review-rejected = Rejected: it will never be sent.
review-already-approved = Already approved by { $name }: nothing more is sent.
review-already-rejected = Already rejected by { $name }: nothing is sent.
review-expired = This appeal waited 48 hours without a decision and expired: nothing is sent.
review-not-allowed = Only the organizer who added this feed and the admins can decide on it.
review-gone = This appeal is not held any more.
review-done-approved = Approved by { $name }.
review-done-rejected = Rejected by { $name }.
review-done-expired = Expired: no decision within 48 hours.
stats-review = Held for review: { $held } ({ $pending } waiting, { $approved } approved, { $rejected } rejected, { $expired } expired)
