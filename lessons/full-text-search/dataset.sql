-- The "help centre" dataset of the full-text search chapter: knowledge-base articles and
-- support tickets in English, German and French, and a product catalogue for fuzzy search.
-- Every text is assembled from word lists with random(), after setseed, so the same seed
-- gives the same documents. The sentences mix inflected forms (connect / connected /
-- connection, Rechnung / Rechnungen, rembourse / remboursé) and stop words, so that
-- stemming, stop words and accents change what a search finds.
select setseed(:seed);

create extension if not exists unaccent;
create extension if not exists pg_trgm;

-- Word lists, one row per language (a temporary table: only the texts stay). Sentences are
-- subject + verb + object + tail.
-- Near misses tell a phrase-and-prefix search from its look-alikes: "the return label" puts a
-- label apart from shipping (after "ships" / "shipped" too), "the shipping labour costs" puts a
-- lab- word other than label right after shipping.
create temp table vocab (
  lang      text primary key,
  config    regconfig not null,
  subjects  text[] not null,
  verbs     text[] not null,
  objects   text[] not null,
  tails     text[] not null,
  t_lead    text[] not null,
  t_verbs   text[] not null,
  t_objects text[] not null
);
insert into vocab values
('en', 'english',
 array['The customer','A user','Our team','The admin','Support','The app','The printer','The router','Your account','The manager'],
 array['checks','opens','updates','reviews','downloads','resets','shares','charged','shipped','cancels','reset','prints','refunds','installed','cancelled','refunded','is installing','ships','signs','exports','disconnected from','connected to','cannot connect to','is connecting to','archives','renames'],
 array['the report','the settings','the order','the invoices','the account','the delivery','the password','the subscription','the payment','a credit card','the dashboard','the passwords','the deliveries','the refund','the mobile app','the credit card payment','the wireless network','the printer driver','the card reader','the connection','the connector','the backup','the firmware','the shipping label','the coupon','the warranty','the receipt','the return label','the shipping labour costs'],
 array['','','','today','after the update','every morning','without any error','since last week','on the mobile app','in the settings','for the second time','before checkout','again and again','with the card','by email'],
 array['How to','Why you cannot','When to','Fix:','Quick guide:'],
 array['reset','connect','refund','install','cancel','update'],
 array['your password','the router','a payment','the printer','a subscription','a delivery','a credit card']),
('de', 'german',
 array['Der Kunde','Die Kundin','Unser Team','Der Administrator','Der Support','Die App','Der Drucker','Der Router','Ihr Konto','Die Managerin'],
 array['prüft','öffnet','sucht','ändert','lädt','teilt','bezahlt','änderte','druckt','bezahlte','storniert','installiert','erstattet','stornierte','vergisst','verbindet','erstattete','vergaß','exportiert','archiviert','benennt'],
 array['den Bericht','die Einstellungen','die Bestellung','das Konto','die Rechnung','die Lieferung','das Passwort','das Abonnement','die Zahlung','die Rechnungen','die Kreditkarte','das Dashboard','die Passwörter','die Lieferungen','die Rückerstattung','die Zahlungen','den Druckertreiber','die Verbindung','die Verbindungen','das Kennwort','die Sicherung','die Firmware','den Gutschein','die Garantie','den Kassenbon'],
 array['','','','heute','nach dem Update','jeden Morgen','ohne Fehlermeldung','seit letzter Woche','in der mobilen App','in den Einstellungen','zum zweiten Mal','vor dem Bezahlen','immer wieder','per E-Mail'],
 array['Wie Sie','Warum Sie nicht','Wann Sie','Problem:','Kurzanleitung:'],
 array['zurücksetzen','verbinden','erstatten','installieren','kündigen','aktualisieren'],
 array['das Passwort','den Router','eine Zahlung','den Drucker','ein Abonnement','eine Lieferung','eine Kreditkarte']),
('fr', 'french',
 array['Le client','La cliente','Notre équipe','L''administrateur','Le support','L''application','L''imprimante','Le routeur','Votre compte','La responsable'],
 array['vérifie','ouvre','cherche','modifie','télécharge','partage','paie','a modifié','imprime','a payé','installe','rembourse','oublie','résilie','a remboursé','a oublié','a résilié','exporte','archive','renomme'],
 array['le rapport','les paramètres','la commande','le compte','la facture','la livraison','le mot de passe','l''abonnement','le paiement','les factures','la carte de crédit','le tableau de bord','les mots de passe','les livraisons','le remboursement','les paiements','le pilote d''imprimante','la connexion','la résiliation','l''événement','la sauvegarde','le micrologiciel','le bon de réduction','la garantie','le reçu'],
 array['','','','aujourd''hui','après la mise à jour','chaque matin','sans message d''erreur','depuis la semaine dernière','dans l''application mobile','dans les paramètres','pour la deuxième fois','avant le paiement','encore et encore','par courriel'],
 array['Comment','Pourquoi ne pas','Quand','Problème :','Guide rapide :'],
 array['réinitialiser','connecter','rembourser','installer','résilier','mettre à jour'],
 array['votre mot de passe','le routeur','un paiement','l''imprimante','un abonnement','une livraison','une carte de crédit']);

-- One random sentence of a language. VOLATILE (random), called once per sentence.
-- 4 000 sentences per language, each word drawn with a skew: the first words of a list are
-- common, the last ones rare (as in real text), so searches range from unselective to a few
-- dozen rows. Documents are then drawn from this pool (cheaper than drawing every word).
create temp table pool as
select v.lang, g as k,
       trim(v.subjects[1 + floor(cardinality(v.subjects) * power(random(), 2.2))::int] || ' ' ||
            v.verbs[1 + floor(cardinality(v.verbs) * power(random(), 2.2))::int] || ' ' ||
            v.objects[1 + floor(cardinality(v.objects) * power(random(), 2.2))::int] || ' ' ||
            v.tails[1 + floor(cardinality(v.tails) * power(random(), 2.2))::int]) || '.' as s
from vocab v cross join generate_series(1, 4000) g;
alter table pool add primary key (lang, k);
analyze pool;

-- 30 000 articles: half English, 30 % German, 20 % French. Each has its language's text
-- search configuration in a regconfig column, and a stored generated tsvector with the title
-- weighted A and the body B. On the second copy the ids run backwards in time and one French
-- article in five is written without accents (as people type), so answers that rely on id
-- order or on every French word carrying its accent come out differently.
create table articles (
  id           int primary key,
  lang         text not null,
  config       regconfig not null,
  category     text not null,
  title        text not null,
  body         text not null,
  published_at timestamptz not null,
  helpful      int not null,
  search       tsvector generated always as
                 (setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B')) stored
);
-- Which language each article is in and how many sentences it has; the bodies are then put
-- together in one set-based join (a subquery per article would hash the pool 30 000 times).
create temp table doc as
select i, random(2, 8) as n, case when r < 0.5 then 'en' when r < 0.8 then 'de' else 'fr' end as lang
from (select i, random() as r from generate_series(1, 30000) i) s;
create temp table doc_body as
select w.i, string_agg(x.s, ' ' order by w.g) as body
from (select d.i, d.lang, g, random(1, 4000) as k from doc d, generate_series(1, d.n) g) w
join pool x on x.lang = w.lang and x.k = w.k
group by w.i;
insert into articles (id, lang, config, category, title, body, published_at, helpful)
select d.i, p.lang, p.config,
       (array['account','billing','delivery','hardware','network'])[random(1, 5)],
       p.t_lead[random(1, cardinality(p.t_lead))] || ' ' ||
         case when p.lang = 'de' then p.t_objects[random(1, cardinality(p.t_objects))] || ' ' || p.t_verbs[random(1, cardinality(p.t_verbs))]
              else p.t_verbs[random(1, cardinality(p.t_verbs))] || ' ' || p.t_objects[random(1, cardinality(p.t_objects))] end,
       case when :perturbed and p.lang = 'fr' and d.i % 5 = 0 then unaccent(b.body) else b.body end,
       case when :perturbed then timestamptz '2026-06-30' - d.i * interval '20 minutes'
            else timestamptz '2025-06-01' + d.i * interval '20 minutes' end,
       random(0, 500)
from doc d join vocab p using (lang) join doc_body b on b.i = d.i
order by d.i;
create index articles_search_idx on articles using gin (search);

-- 20 000 support tickets, no search column yet (the exercises add one). One body in twenty
-- is missing: the customer wrote only a subject.
create table tickets (
  id          int primary key,
  lang        text not null,
  config      regconfig not null,
  status      text not null,
  priority    int not null,
  subject     text not null,
  body        text,
  created_at  timestamptz not null
);
create temp table tdoc as
select i, random() as r2, random(1, 4) as n, random(1, 4000) as k, random() < 0.05 as no_body,
       case when r < 0.6 then 'en' when r < 0.8 then 'de' else 'fr' end as lang
from (select i, random() as r from generate_series(1, 20000) i) s;
create temp table tdoc_body as
select w.i, string_agg(x.s, ' ' order by w.g) as body
from (select d.i, d.lang, g, random(1, 4000) as k from tdoc d, generate_series(1, d.n) g) w
join pool x on x.lang = w.lang and x.k = w.k
group by w.i;
insert into tickets
select d.i, p.lang, p.config,
       case when d.r2 < 0.25 then 'open' when d.r2 < 0.35 then 'pending' else 'closed' end,
       random(1, 4),
       -- On the second copy a German or French ticket now and then quotes the English word
       -- (as customers do), so a search that forgets lang = 'en' finds them.
       case when :perturbed and d.lang <> 'en' and d.i % 97 = 0 then x.s || ' Refund? Refund!' else x.s end,
       case when d.no_body then null else b.body end,
       timestamptz '2026-01-01' + d.i * interval '13 minutes'
from tdoc d join vocab p using (lang) join pool x on x.lang = d.lang and x.k = d.k join tdoc_body b on b.i = d.i
order by d.i;

-- 6 000 products for fuzzy search and autocomplete.
create table products (
  id    int primary key,
  name  text not null,
  price numeric(10,2) not null
);
insert into products
select i,
       (array['Sonora','Kestrel','Nordlys','Vireo','Lumen','Atlas','Corvid','Halcyon'])[random(1, 8)] || ' ' ||
       (array['Wireless','Bluetooth','Mechanical','Gaming','Compact','Noise Cancelling','Ergonomic','Portable'])[random(1, 8)] || ' ' ||
       (array['Headphones','Speaker','Keyboard','Mouse','Charger','Earbuds','Printer','Router','Webcam','Monitor'])[random(1, 10)] || ' ' ||
       random(100, 999),
       round((10 + random() * 290)::numeric, 2)
from generate_series(1, 6000) i;

drop table tdoc_body, tdoc, doc_body, doc, pool, vocab;

select pg_stat_force_next_flush();
vacuum analyze;
