// The OpenAPI 3 document served at /openapi.json. docs/openapi.json is the same text; the
// test `openAPIDocumentMatchesRepoCopy` fails when the two drift apart.
enum OpenAPIDocument {
    static let json = #"""
{
  "components": {
    "responses": {
      "Error": {
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "description": "Error (429 and 503 carry Retry-After)"
      }
    },
    "schemas": {
      "ClassifyRequest": {
        "additionalProperties": false,
        "properties": {
          "raw_scores": {
            "default": false,
            "description": "Also return the head's raw logits",
            "type": "boolean"
          },
          "texts": {
            "description": "One text or several (limits: max_texts_per_request, max_chars_per_text).",
            "oneOf": [
              {
                "type": "string"
              },
              {
                "items": {
                  "type": "string"
                },
                "minItems": 1,
                "type": "array"
              }
            ]
          },
          "threshold": {
            "description": "`labels` lists labels scoring at least this (multi-label default 0.5)",
            "maximum": 1,
            "minimum": 0,
            "type": "number"
          },
          "top_k": {
            "description": "Keep only the k best labels in `scores`",
            "minimum": 1,
            "type": "integer"
          },
          "truncate": {
            "default": true,
            "description": "false: texts longer than the model's max length are refused (422, limit max_length)",
            "type": "boolean"
          }
        },
        "required": [
          "texts"
        ],
        "type": "object"
      },
      "ClassifyResponse": {
        "properties": {
          "model": {
            "type": "string"
          },
          "request_id": {
            "type": "string"
          },
          "results": {
            "items": {
              "$ref": "#/components/schemas/TextResult"
            },
            "type": "array"
          },
          "version": {
            "type": "string"
          }
        },
        "required": [
          "model",
          "version",
          "request_id",
          "results"
        ],
        "type": "object"
      },
      "EmbedRequest": {
        "additionalProperties": false,
        "properties": {
          "texts": {
            "description": "One text or several (limits: max_texts_per_request, max_chars_per_text).",
            "oneOf": [
              {
                "type": "string"
              },
              {
                "items": {
                  "type": "string"
                },
                "minItems": 1,
                "type": "array"
              }
            ]
          },
          "truncate": {
            "default": true,
            "type": "boolean"
          }
        },
        "required": [
          "texts"
        ],
        "type": "object"
      },
      "EmbedResponse": {
        "properties": {
          "dimensions": {
            "type": "integer"
          },
          "embeddings": {
            "items": {
              "items": {
                "type": "number"
              },
              "type": "array"
            },
            "type": "array"
          },
          "model": {
            "type": "string"
          },
          "request_id": {
            "type": "string"
          },
          "version": {
            "type": "string"
          }
        },
        "required": [
          "model",
          "version",
          "request_id",
          "dimensions",
          "embeddings"
        ],
        "type": "object"
      },
      "Error": {
        "properties": {
          "error": {
            "properties": {
              "code": {
                "example": "limit_exceeded",
                "type": "string"
              },
              "limit": {
                "description": "The limit broken: max_body_bytes, max_texts_per_request, max_chars_per_text, max_length, request_timeout_ms",
                "type": "string"
              },
              "message": {
                "type": "string"
              },
              "request_id": {
                "type": "string"
              }
            },
            "required": [
              "code",
              "message"
            ],
            "type": "object"
          }
        },
        "required": [
          "error"
        ],
        "type": "object"
      },
      "ModelList": {
        "properties": {
          "models": {
            "items": {
              "properties": {
                "error": {
                  "type": "string"
                },
                "fallback_rules": {
                  "type": "integer"
                },
                "labels": {
                  "items": {
                    "type": "string"
                  },
                  "type": "array"
                },
                "max_length": {
                  "type": "integer"
                },
                "name": {
                  "type": "string"
                },
                "state": {
                  "enum": [
                    "loaded",
                    "failed"
                  ],
                  "type": "string"
                },
                "task": {
                  "enum": [
                    "single_label_classification",
                    "multi_label_classification",
                    "regression",
                    "embedding"
                  ],
                  "type": "string"
                },
                "version": {
                  "type": "string"
                }
              },
              "required": [
                "name",
                "version",
                "state",
                "fallback_rules"
              ],
              "type": "object"
            },
            "type": "array"
          }
        },
        "required": [
          "models"
        ],
        "type": "object"
      },
      "Status": {
        "properties": {
          "models": {
            "additionalProperties": {
              "enum": [
                "loaded",
                "failed"
              ],
              "type": "string"
            },
            "type": "object"
          },
          "status": {
            "type": "string"
          }
        },
        "required": [
          "status"
        ],
        "type": "object"
      },
      "TextResult": {
        "properties": {
          "answered_by": {
            "enum": [
              "model",
              "rules"
            ],
            "type": "string"
          },
          "label": {
            "type": "string"
          },
          "labels": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "logits": {
            "additionalProperties": {
              "type": "number"
            },
            "type": "object"
          },
          "rule": {
            "description": "Index of the fallback rule that matched",
            "type": "integer"
          },
          "score": {
            "type": "number"
          },
          "scores": {
            "additionalProperties": {
              "type": "number"
            },
            "type": "object"
          }
        },
        "required": [
          "answered_by"
        ],
        "type": "object"
      }
    },
    "securitySchemes": {
      "apiKey": {
        "in": "header",
        "name": "X-API-Key",
        "type": "apiKey"
      },
      "bearer": {
        "description": "An API key, or a JWT (HS256/RS256) with `sub`, `exp` and optional `models` claims.",
        "scheme": "bearer",
        "type": "http"
      }
    }
  },
  "info": {
    "description": "Batched, authenticated, audited text classification and embeddings over BERT-family models.",
    "title": "Sift classification service",
    "version": "1.0.0"
  },
  "openapi": "3.0.3",
  "paths": {
    "/health": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Status"
                }
              }
            },
            "description": "Alive"
          }
        },
        "security": [],
        "summary": "Liveness (never authenticated)"
      }
    },
    "/metrics": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "Prometheus text format"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          }
        },
        "summary": "Prometheus metrics"
      }
    },
    "/openapi.json": {
      "get": {
        "responses": {
          "200": {
            "description": "OpenAPI 3 document"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          }
        },
        "summary": "This document"
      }
    },
    "/ready": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Status"
                }
              }
            },
            "description": "Ready"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Status"
                }
              }
            },
            "description": "Not ready"
          }
        },
        "summary": "Readiness: every configured model loaded"
      }
    },
    "/v1/models": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ModelList"
                }
              }
            },
            "description": "OK"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          }
        },
        "summary": "Models the caller may use"
      }
    },
    "/v1/models/{name}/classify": {
      "parameters": [
        {
          "in": "path",
          "name": "name",
          "required": true,
          "schema": {
            "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
            "type": "string"
          }
        }
      ],
      "post": {
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ClassifyRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ClassifyResponse"
                }
              }
            },
            "description": "OK"
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          },
          "504": {
            "$ref": "#/components/responses/Error"
          }
        },
        "summary": "Classify texts"
      }
    },
    "/v1/models/{name}/embed": {
      "parameters": [
        {
          "in": "path",
          "name": "name",
          "required": true,
          "schema": {
            "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
            "type": "string"
          }
        }
      ],
      "post": {
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/EmbedRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EmbedResponse"
                }
              }
            },
            "description": "OK"
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          },
          "504": {
            "$ref": "#/components/responses/Error"
          }
        },
        "summary": "Sentence embeddings"
      }
    }
  },
  "security": [
    {
      "bearer": []
    },
    {
      "apiKey": []
    }
  ]
}

"""#
}
