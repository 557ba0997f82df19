### OPML export and import, /stats, /grant and /revoke, notices to organizers.

export-caption = { $n } flux
export-failed = Impossible d'envoyer le fichier : { $why }
import-usage = Répondez à un fichier OPML avec /import (ou envoyez le fichier avec /import en légende).
import-too-large = Ce fichier est trop gros pour une liste OPML (plus de 1 Mo).
import-download-failed = Impossible de récupérer le fichier : { $why }
import-not-opml = Ce n'est pas un fichier OPML : { $why }.
import-summary = Import : ajoutés : { $added }, déjà présents : { $skipped }, refusés : { $refused }.
import-added = + { $id }. { $name }
import-skipped = = { $url } (déjà présent)
import-refused = - { $url } : { $why }
stats-text =
    Abonnés : { $subscribers } ({ $private }, { $groups }, { $channels } ; { $muted } en sourdine)
    Flux : { $feeds } ({ $failing } en panne)
    Messages envoyés aujourd'hui : { $today }
    Messages envoyés cette semaine : { $week }
    En attente d'envoi : { $outbox }
    Échecs de remise depuis le démarrage : { $failures }
stats-private =
    { $n ->
        [one] { $n } privé
       *[other] { $n } privés
    }
stats-groups =
    { $n ->
        [one] { $n } groupe
       *[other] { $n } groupes
    }
stats-channels =
    { $n ->
        [one] { $n } chaîne
       *[other] { $n } chaînes
    }
grant-usage = Donnez un identifiant numérique d'utilisateur Telegram : /grant USER_ID
revoke-usage = Donnez un identifiant numérique d'utilisateur Telegram : /revoke USER_ID
grant-ok = L'utilisateur { $id } est maintenant organisateur.
grant-already = L'utilisateur { $id } était déjà organisateur.
revoke-ok = L'utilisateur { $id } n'est plus organisateur.
revoke-not = L'utilisateur { $id } n'était pas organisateur.
notice-failing =
    Le flux { $id } ({ $name }) est en panne depuis { $n } h : { $error }
    { $url }
    Les abonnés n'en reçoivent rien tant qu'il ne remarche pas. Vous serez prévenu quand il remarchera.
notice-recovered = Le flux { $id } ({ $name }) remarche, après { $n } h de panne.
notice-subscription-ended = Les alertes vers le chat { $chat } se sont arrêtées : Telegram refuse d'y livrer ({ $why }). Son abonnement a pris fin. Pour l'abonner à nouveau, rendez sa place au bot (administrateur d'une chaîne) et envoyez /start là-bas, ou /addchannel pour une chaîne.
