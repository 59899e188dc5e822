-- Satisfaction ratings (đánh giá mức độ hài lòng): one per dossier, 1–5, by its applicant.
-- Instants are integer microseconds since the Unix epoch, as elsewhere.

CREATE TABLE dossier_ratings (
    dossier_id INTEGER PRIMARY KEY REFERENCES dossiers (id),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    TEXT    NOT NULL DEFAULT '',
    rated_at   INTEGER NOT NULL
);
CREATE INDEX dossier_ratings_by_time ON dossier_ratings (rated_at);
