-- Satisfaction ratings (đánh giá mức độ hài lòng): one per dossier, 1–5, by its applicant.

CREATE TABLE dossier_ratings (
    dossier_id bigint PRIMARY KEY REFERENCES dossiers (id),
    rating     smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    text        NOT NULL DEFAULT '',
    rated_at   timestamptz NOT NULL
);
CREATE INDEX dossier_ratings_by_time ON dossier_ratings (rated_at);
