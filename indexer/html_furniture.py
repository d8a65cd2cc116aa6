"""Page furniture: short lines that are not the article (promos, credits, share and follow prompts).

The English rules come first; each other rule says the same thing in the
languages most of the archive's web pages are in (German, Spanish, French,
Italian, Portuguese, Dutch, Polish). They are translations of the English
rules, not phrases collected from particular sites, and they are tried on
every page whatever its language: a German prompt never reads as English prose.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)

# Short lines that are page furniture when they start this way.
_ENGLISH = r"""
    (?:read|see|watch|listen)\s+(?:more|also|next|the\s+full)\b
  | (?:related|recommended|more|also|popular|trending|most\s+(?:read|popular|viewed))
        (?:\s+(?:posts?|stories|articles?|reading|coverage|links?|news|videos?|content))?\s*[:.…]
  | (?:see\s+also|also\s+read|also\s+on\s+\S+|further\s+reading|up\s+next|next\s+up)\b
  | you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested)
  | more\s+(?:great\s+)?\S+\s+stories\b
  | (?:like|enjoyed)\s+this\s+(?:story|article|post)\b
  | share\s+(?:this|on|via)\b
  | (?:follow|like)\s+(?:us|\S+(?:\s+\S+){0,5})\s+on\s+(?:facebook|twitter|instagram|linkedin)
  | (?:source|sources)\s*:
  | (?:copyright|\(c\)|©|ⓒ)
  | (?:photo|image|picture|photograph|illustration|video|graphic)s?(?:\s+credit)?\s*[:|/]
  | (?:credit|caption)\s*:
  | (?:advertisement|sponsored(?:\s+content)?|ad)\s*$
  | (?:tags?|topics?|filed\s+under|categories)\s*:
  | our\s+standards\s*:
  | (?:get|download)\s+the\s+.{0,40}\bapp\b
  | (?:sign\s+up|subscribe)\b
  | don'?t\s+miss\b
  | (?:estimated\s+)?(?:reading|read)\s+time\b | \d+\s*(?:-\s*)?min(?:ute)?s?\.?\s+read\b
"""
_OTHER_LANGUAGES = r"""
  # read / see / watch also, read more
  | (?:lesen|lies|sehen|siehe|hören|schauen)\s+(?:sie\s+)?(?:auch|mehr|weiter|hier)\b | weiterlesen\b
  | (?:auch|ebenfalls)\s+(?:interessant|lesenswert|lesen)\b | mehr\s+zum\s+thema\b
  | (?:lea|lee|leer|vea|ver|mira|mire|escuche|escucha)\s+(?:también|además|más)\b
  | sigue\s+leyendo\b | (?:à\s+)?(?:lire|voir|écouter|regarder)\s+(?:aussi|également|la\s+suite)\b
  | (?:leggi|guarda|vedi|ascolta)\s+(?:anche|altro)\b | (?:leia|veja|assista|ouça)\s+(?:também|mais)\b
  | (?:lees|bekijk|kijk|luister)\s+(?:ook|meer|verder)\b
  | (?:czytaj|przeczytaj|zobacz|posłuchaj)\s+(?:też|także|również|więcej)\b
  # related / more / most read, you may also like
  | (?:ähnliche|verwandte|weitere|mehr|empfohlene|beliebte|meistgelesene|top)[-\s]?
        (?:artikel|beiträge|themen|nachrichten|news|geschichten|videos|links|inhalte)\b
  | (?:das|dies)\s+(?:thema\s+)?(?:könnte|dürfte)\s+(?:sie|dich|euch)\s+(?:auch\s+)?interessieren
  | (?:artículos|noticias|notas|contenidos?)\s+relacionad[oa]s\b | lo\s+más\s+(?:leído|visto)\b
  | más\s+(?:leíd[oa]s|vist[oa]s|noticias|sobre)\b | (?:también\s+)?(?:te|le)\s+(?:puede|podría)\s+interesar
  | articles?\s+(?:similaires|liés|associés)\b | les\s+plus\s+(?:lus|populaires)\b | sur\s+le\s+même\s+sujet\b
  | vous\s+(?:aimerez|pourriez\s+aimer)\b | articoli\s+correlati\b | (?:ti\s+)?potrebbe\s+interessarti\b
  | (?:notícias|artigos)\s+relacionad[oa]s\b | mais\s+lid[ao]s\b | você\s+(?:pode|também\s+pode)\s+gostar\b
  | gerelateerde\s+artikelen\b | meest\s+gelezen\b
  | (?:podobne|powiązane)\s+artykuły\b | najczęściej\s+czytane\b | może\s+cię\s+(?:też\s+)?zainteresować
  # share, follow us on
  | (?:teilen|teile)\s+(?:sie\s+)?(?:dies|diesen|den|das|auf|via|per)\b | (?:artikel|beitrag|seite)\s+teilen\b
  | compart(?:ir|e|a)\s+(?:en|esta|este|por)\b | partag(?:er|ez)\s+(?:sur|cet|cette|via|par)\b
  | condividi\s+(?:su|questo|questa)\b | compartilh(?:e|ar)\s+(?:no|na|este|esta)\b | deel\s+(?:dit|via|op)\b
  | udostępnij\b
  | folg(?:e|en\s+sie|t)\s+uns\s+(?:auf|bei)\b | s[ií]ganos\s+en\b | s[ií]guenos\s+en\b
  | suivez[-\s]nous\s+sur\b | seguici\s+su\b | siga[-\s]nos\b | volg\s+ons\s+op\b | obserwuj\s+nas\b
  # source, photo credit, advertisement, tags
  | (?:quellen?(?:angaben)?|fuentes?|fontes?|fonte|bron(?:nen)?|źródło)\s*:
  | (?:fotos?|bild(?:er)?|titelbild|beitragsbild|bildquelle|bildnachweis|fotocredit|grafik|imagen|fotografía
      |crédits?(?:\s+photos?)?|immagine|imagem|beeld|zdjęcie)\s*[:|/]
  | (?:titel|beitrags)bild\s*$
  | (?:anzeige|werbung|publicidad|publicité|pubblicità|publicidade|advertentie|reklama)\s*$
  | (?:schlagw(?:ö|o)rter?|stichw(?:ö|o)rter?|themen|kategorien?|etiquetas|temas|categorías?|mots[-\s]clés
      |catégories?|thèmes|argomenti|categorie|categorias?|trefwoorden|tagi)\s*:
  # reading time
  | (?:lesezeit|lesedauer|tiempo\s+de\s+lectura|temps\s+de\s+lecture|tempo\s+de\s+leitura
      |tempo\s+di\s+lettura|leestijd|czas\s+czytania)\b
  # sign up, subscribe
  | (?:jetzt\s+)?(?:abonnieren|kostenlos\s+registrieren)\b | (?:suscr[ií]bete|suscríbase|reg[ií]strate)\b
  | (?:abonnez|inscrivez)[-\s]vous\b | (?:iscriviti|abbonati)\b | (?:assine|inscreva[-\s]se)\b
  | (?:abonneer|meld\s+je\s+aan)\b | (?:zapisz\s+się|subskrybuj)\b
"""
_FURNITURE = re.compile(r"^(?:" + _ENGLISH + _OTHER_LANGUAGES + r")", re.IGNORECASE | re.VERBOSE)

# Anywhere in a short line: newsletters, app promos, "click here", rights notices, affiliate notes.
_PROMO = re.compile(
    r"\b(?:newsletters?|in\s*your\s+inbox|click(?:ing)?\s+here|tap\s+here|all\s+rights\s+reserved|"
    r"share\s+it\s+with\s+a\s+friend|getty\s+images|shutterstock|ap\s+photo|"
    r"sign\s+up\s+(?:for|to)|subscribe\s+(?:to|now|today)|this\s+story\s+has\s+been\s+shared|"
    r"may\s+get\s+a\s+share\s+of\s+(?:the\s+)?sales?|earn\s+(?:a\s+)?(?:small\s+)?commission|"
    r"affiliate\s+(?:links?|commission)|"
    # the same in the other languages
    r"hier\s+klicken|klicken\s+sie\s+hier|alle\s+rechte\s+vorbehalten|affiliate-links?|"
    r"haz\s+clic\s+aquí|haga\s+clic\s+aquí|todos\s+los\s+derechos\s+reservados|suscr[ií]bete\s+a|"
    r"cliquez\s+ici|tous\s+droits\s+réservés|abonnez-vous\s+à|clicca\s+qui|tutti\s+i\s+diritti\s+riservati|"
    r"clique\s+aqui|todos\s+os\s+direitos\s+reservados|klik\s+hier|alle\s+rechten\s+voorbehouden|"
    r"kliknij\s+tutaj|wszelkie\s+prawa\s+zastrzeżone)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_CONTACT = re.compile(r"\b(?:reached|contact|email|e-mail|write\s+to|tips?\b|follow)", re.IGNORECASE)


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture (promos, credits, share and follow prompts)."""
    text = line.strip().lstrip("-–—•*· ").strip()
    if not text:
        return True
    n = len(_WORD.findall(text))
    if n <= 25 and _FURNITURE.match(text):
        return True
    if n <= 40 and _PROMO.search(text):
        return True
    if n <= 45 and _EMAIL.search(text) and _CONTACT.search(text):
        return True
    return False
