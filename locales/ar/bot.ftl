### Errors and refusals, the commands' descriptions (menu and /help), /help.

error-generic = عذرًا، حدث خطأ ما؛ يُرجى المحاولة لاحقًا.
error-admin-check-failed = تعذّر التحقق مما إذا كنت مشرفًا في هذه المحادثة: لم يُجب تيليغرام. يُرجى المحاولة مرة أخرى بعد قليل.
error-not-command = لا أفهم إلا الأوامر. أرسل /help لرؤيتها.
error-unknown-command = أمر غير معروف { $cmd }. أرسل /help لرؤية القائمة.
error-admins-only = عذرًا، الأمر { $cmd } خاص بالمشرفين العامّين فقط.
error-organizers-only = عذرًا، الأمر { $cmd } خاص بالمنظِّمين فقط.
cmd-start = اشترك في تنبيهات النداءات في هذه المحادثة
cmd-stop = ألغِ اشتراك هذه المحادثة وامحُ بياناتها
cmd-help = ما يفعله هذا البوت وأوامره
cmd-feeds = قائمة مصادر الشركاء
cmd-follow = استلم بعض التنبيهات فقط: /follow 3 #وسم تبرع ar
cmd-unfollow = أوقف المتابعة: /unfollow عنصر أو /unfollow all
cmd-mute = أوقف التنبيهات مؤقتًا: /mute 2h أو /mute off
cmd-settings = ما تستلمه هذه المحادثة
cmd-remind = تذكير قبل موعد فعالية التنبيه: /remind on أو /remind off
cmd-language = لغة البوت: /language en|ar|fr|auto
cmd-addfeed = أضف مصدرًا: /addfeed رابط [#وسم …] [mode=all] [اسم]
cmd-editfeed = عدّل مصدرًا: /editfeed رقم [#وسم …] [mode=all|appeals] [name=اسم]
cmd-removefeed = احذف مصدرًا: /removefeed رقم|رابط
cmd-preview = ما سيستلمه المشتركون من مصدر ما الآن
cmd-addchannel = أرسل التنبيهات إلى قناة: /addchannel @اسم
cmd-removechannel = أوقف التنبيهات إلى قناة: /removechannel @اسم
cmd-export = المصادر في ملف OPML
cmd-import = ردّ على ملف OPML لإضافة مصادره
cmd-stats = المشتركون والمصادر والتنبيهات المرسلة
cmd-wrong = ردًا على تنبيه: لم يكن نداءً
cmd-send = أرسل نداءً فات الكاشف: /send الرابط
cmd-grant = اجعل مستخدمًا منظِّمًا: /grant رقم_المستخدم
cmd-revoke = اسحب صلاحيات التنظيم: /revoke رقم_المستخدم
help-intro =
    يرسل لك solibot نداءات المنظمات الشريكة: عرائض، ودعوات للتبرع، واحتجاجات، ووقفات، وبيانات تطالب المسؤولين بالتحرك.

    الأوامر:
help-line = { $cmd } — { $what }
help-choices = لتستلم بعض التنبيهات فقط، تابِع بالأمر /follow مصدرًا (رقمه في /feeds)، أو وسمًا (#حلب)، أو نوع تحرك (توقيع، تبرع، تواصل، حشد، نشر، تطوع، مقاطعة)، أو لغة (en أو ar أو fr …). إذا لم تتابع شيئًا تستلم كل شيء.
help-organizers = للمنظِّمين: يعرض /feeds حالة كل مصدر؛ وإذا تعطّل مصدر مدة طويلة تُبلَّغون مرة واحدة، ثم مرة أخرى عند عودته للعمل.
