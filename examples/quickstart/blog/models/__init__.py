"""The blog's SQLAlchemy models: the source of truth for its database schema."""
from .base import Base
from .posts import Post
from .users import User

__all__ = ["Base", "Post", "User"]
