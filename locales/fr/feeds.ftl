### Feeds: /feeds, /addfeed, /editfeed, /removefeed, /preview, why a feed was refused, /wrong and /send.

# Layout of /feeds: {""} alone on the first line starts a message with an empty line
# (between two feeds); {"   "} indents a line under its feed (Fluent trims plain spaces).

feeds-none = Pas encore de flux partenaires.
feeds-header =
    { $n ->
        [one] { $n } flux partenaire :
       *[other] { $n } flux partenaires :
    }
feeds-line =
    {""}
    { $id }. { $name } { $tags }
feeds-url-mode = {"   "}{ $url } · mode { $mode }
feeds-health = {"   "}dernier succès : { $success } · entrées vues : { $seen } · appels : { $appeals }
feeds-failing =
    { $n ->
        [one] {"   "}en panne ({ $n } échec), dernière erreur { $when } : { $error }
       *[other] {"   "}en panne ({ $n } échecs de suite), dernière erreur { $when } : { $error }
    }
feeds-last-error = {"   "}dernière erreur { $when } : { $error }
feeds-threshold = {"   "}seuil relevé de { $raise } · alertes signalées erronées en 30 jours : { $wrong }
wrong-usage = Répondez à l'une de mes alertes par /wrong pour indiquer que ce n'était pas un appel.
wrong-ok = C'est noté : « { $title } » n'était pas un appel. Merci.
wrong-already = Vous aviez déjà indiqué que « { $title } » n'était pas un appel.
wrong-raised = Le flux { $name } demande désormais un score plus élevé pour alerter : seuil { $raise }.
send-usage = Donnez le lien d'un article d'un flux partenaire : /send URL
send-not-partner = Non envoyé : { $url } n'est actuellement un article d'aucun flux partenaire.
send-unreachable = Non envoyé : impossible de lire le flux { $name } pour le chercher : { $why }.
send-not-polled = Non envoyé : le flux { $name } n'a pas encore été lu ; réessayez après sa première vérification.
send-already = Non envoyé : cet article de { $name } a déjà été envoyé en alerte.
send-cross-post = Noté comme appel, pas renvoyé : « { $title } » est le même appel qu'une alerte déjà envoyée.
send-ok = Noté comme appel manqué par le détecteur et envoyé en alerte : « { $title } » · discussions : { $chats }.
addfeed-refused = Non ajouté : { $why }.
addfeed-ok =
    { $n ->
        [one] Flux { $id } ajouté : { $name } ({ $n } entrée, marquée comme déjà vue).
       *[other] Flux { $id } ajouté : { $name } ({ $n } entrées, marquées comme déjà vues).
    }
addfeed-preview = Dernier appel, tel que les abonnés le verraient :
addfeed-no-appeal = Aucun appel parmi ses entrées actuelles.
editfeed-refused = Non modifié : { $why }.
editfeed-ok = Flux { $id } modifié : { $name } · hashtags : { $tags } · mode { $mode }.
feed-not-found = Pas de flux { $feed }. Envoyez /feeds pour la liste.
removefeed-usage = Donnez l'ID ou l'URL du flux : /removefeed ID|URL
removefeed-ok = Flux { $id } retiré : { $name }.
preview-usage = Donnez l'ID ou l'URL d'un flux : /preview ID|URL
preview-failed = Pas d'aperçu : { $why }.
preview-not-modified = Pas d'aperçu : le serveur a répondu 304.
preview-none =
    { $n ->
        [one] { $name } : { $n } entrée, qui n'est pas un appel ; les abonnés ne recevraient rien maintenant.
       *[other] { $name } : { $n } entrées, aucune n'est un appel ; les abonnés ne recevraient rien maintenant.
    }
preview-shown =
    { $n ->
        [one] { $name } : { $n } entrée, un appel, montré ci-dessus tel que les abonnés le recevraient (envoyé à vous seul).
       *[other] { $name } : { $n } entrées ; appels montrés ci-dessus tels que les abonnés les recevraient (envoyés à vous seul) : { $shown }.
    }
url-too-long = plus de 2048 caractères
url-not-url = { $url } ({ $why })
url-scheme = seuls les flux http et https peuvent être ajoutés, pas { $scheme }:
url-no-host = pas de nom d'hôte
url-credentials = les URL avec identifiants ne sont pas acceptées
url-rejected = { $url }
adderr-malformed = ce n'est pas une URL de flux valide : { $why }
adderr-already = ce flux est déjà ajouté (id { $id })
adderr-blocked = l'adresse est bloquée : { $why }
adderr-unreachable = le flux est injoignable : { $why }
adderr-not-modified = le flux est injoignable : il a répondu 304 à une première requête
adderr-status = le serveur a répondu HTTP { $code }
adderr-too-large =
    { $n ->
        [one] le flux dépasse { $n } octet
       *[other] le flux dépasse { $n } octets
    }
adderr-not-a-feed = ce n'est pas un flux (RSS, Atom ou JSON Feed) : { $why }
adderr-internal = erreur interne : { $why }
args-add-usage = donnez l'URL du flux : /addfeed URL [#tag …] [mode=all] [nom]
args-edit-usage = donnez l'ID du flux et ce qu'il faut changer : /editfeed ID [#tag …] [tags=none] [mode=all|appeals] [name=NOM]
args-unknown-mode = mode inconnu { $mode } : utilisez all ou appeals
args-bad-hashtag = hashtag invalide { $tag }
args-unknown-word = je ne comprends pas { $word } : les hashtags commencent par #, le mode s'écrit mode=…, le nom vient en dernier, name=…
args-nothing-to-change = rien à changer : donnez des hashtags, mode=… ou name=…
