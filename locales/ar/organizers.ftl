### OPML export and import, /stats, /grant and /revoke, notices to organizers.

# $n: how many feeds the exported file lists.
export-caption =
    { $n ->
        [zero] لا توجد مصادر
        [one] مصدر واحد
        [two] مصدران
        [few] { $n } مصادر
        [many] { $n } مصدرًا
       *[other] { $n } مصدر
    }
export-failed = تعذّر إرسال الملف: { $why }
import-usage = ردّ على ملف OPML بالأمر /import (أو أرسل الملف مع /import في تعليقه).
import-too-large = الملف أكبر من أن يكون قائمة OPML (أكثر من 1 ميغابايت).
import-download-failed = تعذّر الحصول على الملف: { $why }
import-not-opml = هذا ليس ملف OPML: { $why }.
import-summary = الاستيراد: أُضيف { $added }، وكان موجودًا { $skipped }، ورُفض { $refused }.
import-added = + { $id }. { $name }
import-skipped = = { $url } (موجود)
import-refused = - { $url }: { $why }
stats-text =
    المشتركون: { $subscribers } (محادثات خاصة: { $private }، مجموعات: { $groups }، قنوات: { $channels }؛ متوقفة مؤقتًا: { $muted })
    المصادر: { $feeds } (المتعطّلة: { $failing })
    الرسائل المرسلة اليوم: { $today }
    الرسائل المرسلة هذا الأسبوع: { $week }
    في انتظار الإرسال: { $outbox }
    إخفاقات التسليم منذ التشغيل: { $failures }
stats-private = { $n }
stats-groups = { $n }
stats-channels = { $n }
grant-usage = اكتب رقم مستخدم تيليغرام: /grant رقم_المستخدم
revoke-usage = اكتب رقم مستخدم تيليغرام: /revoke رقم_المستخدم
grant-ok = أصبح المستخدم { $id } منظِّمًا.
grant-already = المستخدم { $id } منظِّم بالفعل.
revoke-ok = لم يعد المستخدم { $id } منظِّمًا.
revoke-not = المستخدم { $id } لم يكن منظِّمًا.
# $n: hours the feed has been failing.
notice-failing =
    { $n ->
        [one]
            المصدر { $id } ({ $name }) متعطّل منذ ساعة: { $error }
            { $url }
            لن يستلم المشتركون منه شيئًا حتى يعود للعمل. سنبلغك عند عودته.
        [two]
            المصدر { $id } ({ $name }) متعطّل منذ ساعتين: { $error }
            { $url }
            لن يستلم المشتركون منه شيئًا حتى يعود للعمل. سنبلغك عند عودته.
        [few]
            المصدر { $id } ({ $name }) متعطّل منذ { $n } ساعات: { $error }
            { $url }
            لن يستلم المشتركون منه شيئًا حتى يعود للعمل. سنبلغك عند عودته.
       *[other]
            المصدر { $id } ({ $name }) متعطّل منذ { $n } ساعة: { $error }
            { $url }
            لن يستلم المشتركون منه شيئًا حتى يعود للعمل. سنبلغك عند عودته.
    }
notice-recovered =
    { $n ->
        [one] عاد المصدر { $id } ({ $name }) للعمل بعد تعطّل دام ساعة.
        [two] عاد المصدر { $id } ({ $name }) للعمل بعد تعطّل دام ساعتين.
        [few] عاد المصدر { $id } ({ $name }) للعمل بعد تعطّل دام { $n } ساعات.
       *[other] عاد المصدر { $id } ({ $name }) للعمل بعد تعطّل دام { $n } ساعة.
    }
notice-subscription-ended = توقّفت التنبيهات إلى المحادثة { $chat }: يرفض تيليغرام التسليم إليها ({ $why }). انتهى اشتراكها. لإعادة الاشتراك أعِد البوت إلى مكانه (مشرفًا في القناة) وأرسل /start هناك، أو /addchannel للقناة.
