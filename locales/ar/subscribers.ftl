### Subscribing, choices (/follow, /unfollow, /mute, /settings), the bot's language, action kinds.

start-group-admins-only = لا يستطيع الاشتراك لهذه المجموعة إلا مشرفوها.
start-ok = تم الاشتراك. ستصلك هنا النداءات الجديدة من المنظمات الشريكة. أرسل /stop لإلغاء الاشتراك، و/feeds لرؤية الشركاء، و/settings لاختيار ما تستلمه.
start-already = هذه المحادثة مشتركة بالفعل. أرسل /stop لإلغاء الاشتراك.
start-moved-to-topic = هذه المحادثة مشتركة بالفعل؛ ستصل التنبيهات من الآن إلى هذا الموضوع.
stop-group-admins-only = لا يستطيع إلغاء اشتراك هذه المجموعة إلا مشرفوها.
stop-ok = أُلغي الاشتراك ومُحيت بيانات هذه المحادثة. أرسل /start للاشتراك من جديد.
stop-not-subscribed = هذه المحادثة ليست مشتركة. أرسل /start للاشتراك.
follow-usage = حدّد ما تريد متابعته: رقم مصدر (انظر /feeds)، أو #وسم، أو نوع تحرك (توقيع، تبرع، تواصل، حشد، نشر، تطوع، مقاطعة)، أو لغة (en أو ar أو fr …). مثال: /follow 3 #حلب تبرع
unfollow-usage = حدّد ما تريد إيقاف متابعته كما يظهر في /settings، أو أرسل /unfollow all.
follow-unknown-item = لا أعرف ما هو { $item }: اكتب رقم مصدر، أو #وسمًا، أو نوع تحرك (توقيع، تبرع، تواصل، حشد، نشر، تطوع، مقاطعة)، أو رمز لغة من حرفين.
follow-no-feed = لا يوجد مصدر رقمه { $id }. أرسل /feeds لرؤية القائمة.
follow-ok = تم.
unfollow-ok = تم.
settings-group-admins-only = لا يستطيع تغيير ما تستلمه هذه المحادثة إلا مشرفوها.
settings-not-subscribed = هذه المحادثة ليست مشتركة. أرسل /start أولًا.
mute-usage = حدّد المدة: /mute 30m أو /mute 2h أو /mute 1d (ثلاثون يومًا على الأكثر)، أو /mute off.
mute-too-long = هذه مدة طويلة جدًا: ثلاثون يومًا على الأكثر. استخدم /stop لإلغاء الاشتراك.
mute-on = التنبيهات متوقفة حتى { $until }. التنبيهات التي تصدر خلال ذلك لن تصل إلى هذه المحادثة. أرسل /mute off لاستئنافها قبل ذلك.
mute-off = عادت التنبيهات.
settings-header = ما تستلمه هذه المحادثة:
settings-any = الكل
settings-feeds = المصادر: { $list }
settings-hashtags = الوسوم: { $list }
settings-kinds = أنواع التحرك: { $list }
settings-langs = اللغات: { $list }
settings-muted = التنبيهات متوقفة حتى { $until }
settings-not-muted = التنبيهات مفعّلة
settings-rule = يصل التنبيه إلى هنا إذا طابق كل سطر ليس «الكل».
settings-language = لغة البوت: { $lang } (لتغييرها /language)
lang-en = الإنجليزية
lang-ar = العربية
lang-fr = الفرنسية
language-usage = اختر لغة البوت: /language en أو /language ar أو /language fr، أو /language auto لاتباع لغة تطبيق تيليغرام.
language-ok = سأجيب هنا بالعربية من الآن.
kind-sign = توقيع
kind-donate = تبرع
kind-contact = التواصل مع المسؤولين
kind-mobilize = احتجاجات وفعاليات
kind-share = نشر
kind-volunteer = تطوع
kind-boycott = مقاطعة
kindword-sign = توقيع|وقع|وقّع|عريضة
kindword-donate = تبرع|تبرّع|تبرعات
kindword-contact = تواصل|اتصال|مراسلة
kindword-mobilize = حشد|احتجاج|مظاهرة|وقفة|فعالية
kindword-share = نشر|مشاركة
kindword-volunteer = تطوع|تطوّع
kindword-boycott = مقاطعة|قاطع

## /remind: a short reminder some time before the event of an alert the chat got.

remind-usage = أرسل /remind on أو /remind off.
remind-on = التذكير مفعّل: قبل موعد فعالية تنبيه وصل إلى هذه المحادثة بـ { $before } يصلك تذكير قصير، مرة واحدة.
remind-off = التذكير متوقف.
remind-notice = ⏰ تذكير: { $title }
remind-hours =
    { $n ->
        [one] ساعة واحدة
        [two] ساعتين
        [few] { $n } ساعات
       *[other] { $n } ساعة
    }
remind-minutes =
    { $n ->
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $n } دقائق
       *[other] { $n } دقيقة
    }
remind-seconds =
    { $n ->
        [one] ثانية واحدة
        [two] ثانيتين
        [few] { $n } ثوانٍ
       *[other] { $n } ثانية
    }
