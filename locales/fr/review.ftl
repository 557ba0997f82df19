### Review before broadcast: /trust, /review, previews, the Approve and Reject buttons.

cmd-trust = Envoyer les appels d'un flux sans relecture : /trust ID
cmd-review = Retenir les appels d'un flux pour approbation : /review ID
trust-usage = Envoyez /trust ID_DU_FLUX (les numéros que montre /feeds).
review-usage = Envoyez /review ID_DU_FLUX (les numéros que montre /feeds).
trust-ok = Le flux { $id } ({ $name }) est de confiance : ses appels partent sans relecture.
review-ok = Le flux { $id } ({ $name }) est en relecture : ses appels attendent l'approbation d'un organisateur.
feeds-under-review = {"   "}en relecture
review-reason-feed = Retenu pour relecture : le flux { $id } ({ $name }) est en relecture. Approuver l'envoie à tous les abonnés.
review-reason-sites = Retenu pour relecture : ses liens d'action mènent à { $sites }, où le flux { $id } ({ $name }) n'a jamais renvoyé. Approuver l'envoie à tous les abonnés.
review-approve = Approuver
review-reject = Rejeter
review-approved = Approuvé : il part vers tous les abonnés.
review-rejected = Rejeté : il ne sera jamais envoyé.
review-already-approved = Déjà approuvé par { $name } : rien de plus n'est envoyé.
review-already-rejected = Déjà rejeté par { $name } : rien n'est envoyé.
review-expired = Cet appel a attendu 48 heures sans décision et a expiré : rien n'est envoyé.
review-not-allowed = Seuls l'organisateur qui a ajouté ce flux et les admins peuvent en décider.
review-gone = Cet appel n'est plus retenu.
review-done-approved = Approuvé par { $name }.
review-done-rejected = Rejeté par { $name }.
review-done-expired = Expiré : aucune décision en 48 heures.
# Counts: $held in all, $pending waiting, $approved, $rejected, $expired.
stats-review =
    Retenus pour relecture : { $held } ({ $pending } en attente, { $approved ->
        [one] { $approved } approuvé
       *[other] { $approved } approuvés
    }, { $rejected ->
        [one] { $rejected } rejeté
       *[other] { $rejected } rejetés
    }, { $expired ->
        [one] { $expired } expiré
       *[other] { $expired } expirés
    })
