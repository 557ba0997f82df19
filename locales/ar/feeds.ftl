### Feeds: /feeds, /addfeed, /editfeed, /removefeed, /preview, why a feed was refused, /wrong and /send.

# Layout of /feeds: {""} alone on the first line starts a message with an empty line
# (between two feeds); {"   "} indents a line under its feed (Fluent trims plain spaces).

feeds-none = لا توجد مصادر للشركاء بعد.
# $n: how many partner feeds there are (the list follows).
feeds-header =
    { $n ->
        [zero] لا توجد مصادر للشركاء:
        [one] مصدر واحد للشركاء:
        [two] مصدران للشركاء:
        [few] { $n } مصادر للشركاء:
        [many] { $n } مصدرًا للشركاء:
       *[other] { $n } مصدر للشركاء:
    }
feeds-line =
    {""}
    { $id }. { $name } { $tags }
feeds-url-mode = {"   "}{ $url } · الوضع { $mode }
feeds-health = {"   "}آخر نجاح: { $success } · المدخلات المقروءة: { $seen } · النداءات: { $appeals }
feeds-failing =
    { $n ->
        [one] {"   "}متعطّل (مرة واحدة)، آخر خطأ { $when }: { $error }
        [two] {"   "}متعطّل (مرتين متتاليتين)، آخر خطأ { $when }: { $error }
        [few] {"   "}متعطّل ({ $n } مرات متتالية)، آخر خطأ { $when }: { $error }
       *[other] {"   "}متعطّل ({ $n } مرة متتالية)، آخر خطأ { $when }: { $error }
    }
feeds-last-error = {"   "}آخر خطأ { $when }: { $error }
feeds-threshold = {"   "}رُفعت العتبة بمقدار { $raise } · تنبيهات وُصفت بالخطأ خلال 30 يومًا: { $wrong }
wrong-usage = ردّ على أحد تنبيهاتي بـ /wrong لتسجيل أنه لم يكن نداءً.
wrong-ok = سُجّل: «{ $title }» لم يكن نداءً. شكرًا لك.
wrong-already = سبق أن سجّلت أن «{ $title }» لم يكن نداءً.
wrong-raised = صار المصدر { $name } يحتاج إلى درجة أعلى للتنبيه: العتبة { $raise }.
send-usage = أرسل رابط منشور من مصدر شريك: /send الرابط
send-not-partner = لم يُرسَل: { $url } ليس منشورًا في أي مصدر شريك حاليًا.
send-unreachable = لم يُرسَل: تعذّرت قراءة المصدر { $name } للبحث عنه: { $why }.
send-not-polled = لم يُرسَل: لم يُقرأ المصدر { $name } بعد؛ حاول مجددًا بعد أول فحص له.
send-already = لم يُرسَل: سبق إرسال هذا المنشور من { $name } كتنبيه.
send-cross-post = سُجّل كنداء، ولم يُرسَل مجددًا: «{ $title }» هو النداء نفسه في تنبيه سبق إرساله.
send-ok = سُجّل كنداء فات الكاشف وأُرسل كتنبيه: «{ $title }» · المحادثات: { $chats }.
addfeed-refused = لم تتم الإضافة: { $why }.
addfeed-ok = أُضيف المصدر { $id }: { $name } (عدد المدخلات: { $n }، عُدّت كلها مقروءة).
addfeed-preview = آخر نداء، كما سيراه المشتركون:
addfeed-no-appeal = لا يوجد نداء بين مدخلاته الحالية.
editfeed-refused = لم يتم التعديل: { $why }.
editfeed-ok = عُدّل المصدر { $id }: { $name } · الوسوم: { $tags } · الوضع { $mode }.
feed-not-found = لا يوجد مصدر { $feed }. أرسل /feeds لرؤية القائمة.
removefeed-usage = اكتب رقم المصدر أو رابطه: /removefeed رقم|رابط
removefeed-ok = حُذف المصدر { $id }: { $name }.
preview-usage = اكتب رقم المصدر أو رابطه: /preview رقم|رابط
preview-failed = لا معاينة: { $why }.
preview-not-modified = لا معاينة: أجاب الخادم بالرمز 304.
preview-none = { $name }: عدد المدخلات { $n }، وليس بينها نداء؛ لن يستلم المشتركون شيئًا الآن.
preview-shown = { $name }: عدد المدخلات { $n }، وعدد النداءات المعروضة أعلاه كما سيستلمها المشتركون { $shown } (أُرسلت إليك وحدك).
url-too-long = أطول من 2048 حرفًا
url-not-url = { $url } ({ $why })
url-scheme = لا تُقبل إلا مصادر http وhttps، وليس { $scheme }
url-no-host = لا يوجد اسم خادم
url-credentials = لا تُقبل الروابط التي تتضمن بيانات دخول
url-rejected = { $url }
adderr-malformed = هذا ليس رابط مصدر صالحًا: { $why }
adderr-already = هذا المصدر مضاف بالفعل (الرقم { $id })
adderr-blocked = العنوان محظور: { $why }
adderr-unreachable = تعذّر الوصول إلى المصدر: { $why }
adderr-not-modified = تعذّر الوصول إلى المصدر: أجاب بالرمز 304 على أول طلب
adderr-status = أجاب الخادم بالرمز HTTP { $code }
adderr-too-large = المصدر أكبر من { $n } بايت
adderr-not-a-feed = هذا ليس مصدرًا (RSS أو Atom أو JSON Feed): { $why }
adderr-internal = خطأ داخلي: { $why }
args-add-usage = اكتب رابط المصدر: /addfeed رابط [#وسم …] [mode=all] [اسم]
args-edit-usage = اكتب رقم المصدر وما تريد تغييره: /editfeed رقم [#وسم …] [tags=none] [mode=all|appeals] [name=اسم]
args-unknown-mode = وضع غير معروف { $mode }: استخدم all أو appeals
args-bad-hashtag = وسم غير صالح { $tag }
args-unknown-word = لا أفهم { $word }: الوسوم تبدأ بـ #، والوضع يُكتب mode=…، والاسم يأتي أخيرًا name=…
args-nothing-to-change = لا شيء لتغييره: اكتب وسومًا أو mode=… أو name=…
