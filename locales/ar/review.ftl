### Review before broadcast: /trust, /review, previews, the Approve and Reject buttons.

cmd-trust = إرسال نداءات مصدر دون مراجعة: /trust رقم
cmd-review = حجز نداءات مصدر حتى الموافقة: /review رقم
trust-usage = أرسل /trust رقم_المصدر (الأرقام التي يعرضها /feeds).
review-usage = أرسل /review رقم_المصدر (الأرقام التي يعرضها /feeds).
trust-ok = المصدر { $id } ({ $name }) موثوق: تُرسل نداءاته دون مراجعة.
review-ok = المصدر { $id } ({ $name }) قيد المراجعة: تنتظر نداءاته موافقة منظِّم.
feeds-under-review = {"   "}قيد المراجعة
review-reason-feed = محجوز للمراجعة: المصدر { $id } ({ $name }) قيد المراجعة. الموافقة ترسله إلى كل المشتركين.
review-reason-sites = محجوز للمراجعة: روابط الفعل فيه تذهب إلى { $sites }، ولم يربط المصدر { $id } ({ $name }) بها من قبل. الموافقة ترسله إلى كل المشتركين.
review-approve = موافقة
review-reject = رفض
review-approved = تمت الموافقة: يُرسل إلى كل المشتركين.
review-rejected = رُفض: لن يُرسل أبدًا.
review-already-approved = وافق عليه { $name } من قبل: لا يُرسل شيء آخر.
review-already-rejected = رفضه { $name } من قبل: لا يُرسل شيء.
review-expired = انتظر هذا النداء 48 ساعة دون قرار وانتهت مدته: لا يُرسل شيء.
review-not-allowed = القرار فيه للمنظِّم الذي أضاف المصدر وللمشرفين فقط.
review-gone = لم يعد هذا النداء محجوزًا.
review-done-approved = وافق عليه { $name }.
review-done-rejected = رفضه { $name }.
review-done-expired = انتهت مدته: لا قرار خلال 48 ساعة.
stats-review = محجوز للمراجعة: { $held } (بانتظار القرار { $pending }، موافق عليه { $approved }، مرفوض { $rejected }، منتهي { $expired })
